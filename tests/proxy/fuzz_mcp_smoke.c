/*
 * fuzz_mcp_smoke.c — replays proxy/fuzz_mcp.c's entry point on seed bodies
 * and deterministic mutations of them (byte flips, truncations, header
 * selectors) in the normal test suite, so the MCP handler's invariants
 * are checked under ASan without libFuzzer.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *seeds[] = {
    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\","
    "\"arguments\":{\"n\":1}}}",
    "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"rm\"}},"
    "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/x\"}]",
    "{\"jsonrpc\":\"2.0\",\"id\":\"a\",\"method\":\"tools/call\",\"params\":{\"name\":\"rm\"}}",
    "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"initialize\",\"params\":{}}",
    "{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{}}",
    "{\"amount\": 1.5, \"to\": \"bob@example.com\"}",
    "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"resources/read\",\"params\":{\"uri\":\"x\"}}",
};

int main(void) {
  uint64_t rng = 42;
  size_t runs = 0;
  for (size_t s = 0; s < sizeof seeds / sizeof seeds[0]; s++) {
    size_t n = strlen(seeds[s]);
    uint8_t buf[512];
    for (int round = 0; round < 400; round++) {
      rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
      buf[0] = (uint8_t)(rng >> 56);
      memcpy(buf + 1, seeds[s], n);
      size_t len = n + 1;
      if (round % 3 == 1) buf[1 + (rng >> 8) % n] ^= (uint8_t)(1u << ((rng >> 20) % 8));
      if (round % 3 == 2) len = 1 + (rng >> 8) % n;
      LLVMFuzzerTestOneInput(buf, len);
      runs++;
    }
  }
  printf("fuzz_mcp_smoke: %zu inputs\n", runs);
  return 0;
}
