/*
 * mask_stage.c — the `mask` stage (guard_stage.h): masks request bodies
 * before they are forwarded and answers before they reach the client, per
 * the mask obligations of the allowed calls.
 *
 * When several masks name one type, the most protective style wins (label >
 * hash > partial; lr_obligations_mask_styles). A request body that must be
 * masked but was not read for inspection (a streamed, non-JSON body) is
 * refused: it cannot be masked, so it must not pass (fail closed). Bodies
 * that claim JSON but do not parse are masked as text (lr_pii_mask_json's
 * own fallback). Answers: JSON answers are buffered whole by the
 * connection and masked as JSON, other buffered answers as text, SSE
 * answers event by event (each complete event masked as one unit, its data
 * lines as JSON when they parse), so no carry-over between events is
 * needed.
 */
#include <string.h>

#include "decide.h"
#include "guard_stage_int.h"

static void free_masker(void *m) { lr_pii_masker_free(m); }

/* The combined styles of the masks of n messages' obligations in
 * direction `on` (a batch: all calls' masks together, merged like the
 * masks of one). */
static uint32_t merged_styles(lr_arena *a, const lr_obligations *obl, size_t n, unsigned on,
                              int *styles) {
  size_t nm = 0, k = 0;
  for (size_t i = 0; i < n; i++) nm += obl[i].nmasks;
  lr_mask_obligation *all = LR_NEW_N(a, lr_mask_obligation, nm + 1);
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < obl[i].nmasks; j++) all[k++] = obl[i].masks[j];
  lr_obligations o = {all, nm, NULL, 0};
  return lr_obligations_mask_styles(&o, on, styles);
}

/* A masker for styles, freed with the request. */
static lr_pii_masker *masker_for(lr_guard_ctx *g, lr_arena *a, const int *styles) {
  lr_pii_masker *m = lr_pii_masker_new(g->opt.mask_key, g->opt.mask_keylen);
  for (int t = 0; t < LR_PII__COUNT; t++)
    if (styles[t] != LR_PII_STYLE_NONE)
      lr_pii_masker_set(m, LR_PII_BIT(t), (lr_pii_style)styles[t]);
  lr_arena_on_free(a, free_masker, m);
  return m;
}

static bool any(const lr_pii_counts *c) {
  for (int t = 0; t < LR_PII__COUNT; t++)
    if (c->n[t]) return true;
  return false;
}

static void add_counts(lr_pii_counts *into, const lr_pii_counts *c) {
  for (int t = 0; t < LR_PII__COUNT; t++) into->n[t] += c->n[t];
}

/* Masks body as JSON or text into the arena; returns it unchanged when
 * nothing was masked. Counts go to *counts. */
static lr_str mask_body(const lr_pii_masker *m, lr_arena *a, lr_str body, bool json,
                        lr_pii_counts *counts) {
  lr_buf out = {0};
  memset(counts, 0, sizeof *counts);
  if (json)
    lr_pii_mask_json(m, body.p, body.n, &out, counts);
  else
    lr_pii_mask_text(m, body.p, body.n, &out, counts);
  lr_str r = any(counts) ? lr_str_dup(a, lr_buf_str(&out)) : body;
  lr_buf_free(&out);
  return r;
}

static lr_stage_verdict mask_on_request(void *ctx, lr_proxy_request *req, lr_proxy_answer *ans) {
  lr_guard_ctx *g = ctx;
  lr_stage_verdict v;
  lr_guard_outcome *go = guard_begin(g, req, ans, &v);
  if (!go) return v;
  int styles[LR_PII__COUNT];
  if (!merged_styles(req->arena, go->obl, go->ncalls, LR_MASK_ON_REQUEST, styles)) return LR_STAGE_CONTINUE;
  if (!req->body_buffered) {
    if (!req->body_expected) return LR_STAGE_CONTINUE;
    ans->status = 415;
    ans->body = LR_STR("{\"error\": \"request body must be masked but cannot be inspected\"}");
    return LR_STAGE_ANSWER;
  }
  lr_pii_masker *m = masker_for(g, req->arena, styles);
  lr_pii_counts c;
  req->body = mask_body(m, req->arena, req->body, lr_pipeline_is_json(req->head->content_type), &c);
  add_counts(&go->masked_request, &c);
  guard_count_masked(g, 0, &c);
  return LR_STAGE_CONTINUE;
}

/* ---- messages pushed on an MCP GET stream (decide.h: push) ---------------- */

/* The styles of the response masks that apply to the messages of one
 * pushed event. A message that could not be mapped or evaluated, or whose
 * `with` record failed, is masked for every type (label): fail closed. */
static uint32_t push_styles(lr_arena *a, const lr_proxy_request *req, const lr_call_outcome *o,
                            int *styles) {
  lr_obligations *obl = LR_NEW_N(a, lr_obligations, o->npush);
  for (size_t i = 0; i < o->npush; i++) {
    const lr_call *c = &o->push[i];
    const char *err = NULL;
    lr_eval_env env = {c->entities, &c->req, NULL, a};
    if (c->map_error || !c->decided ||
        lr_obligations_eval(o->engine->obligations, &env, &c->decision, req->client_ip, &obl[i],
                            &err) != LR_OK) {
      for (int t = 0; t < LR_PII__COUNT; t++) styles[t] = LR_PII_STYLE_LABEL;
      return LR_PII_ALL;
    }
  }
  return merged_styles(a, obl, o->npush, LR_MASK_ON_RESPONSE, styles);
}

/* The guard outcome of a GET stream (no call was decided): masked counts
 * for the decision log. */
static lr_guard_outcome *stream_outcome(lr_proxy_request *req, lr_call_outcome *o) {
  if (!o->guard) o->guard = LR_NEW(req->arena, lr_guard_outcome);
  return o->guard;
}

static lr_stage_verdict mask_on_response_head(void *ctx, lr_proxy_request *req,
                                              const lr_http_head *resp) {
  (void)resp;
  lr_guard_ctx *g = ctx;
  lr_call_outcome *o = req->outcome; /* GET-stream pushes: per event, mask_on_response */
  lr_guard_outcome *go = o ? o->guard : NULL;
  if (!go || go->error) return LR_STAGE_CONTINUE;
  int styles[LR_PII__COUNT];
  if (!merged_styles(req->arena, go->obl, go->ncalls, LR_MASK_ON_RESPONSE, styles)) return LR_STAGE_CONTINUE;
  go->resp_masker = masker_for(g, req->arena, styles);
  return LR_STAGE_NEED_BODY;
}

static lr_stage_verdict mask_on_response(void *ctx, lr_proxy_request *req, lr_proxy_response *resp,
                                         lr_proxy_answer *ans) {
  (void)ans;
  lr_guard_ctx *g = ctx;
  lr_call_outcome *o = req->outcome;
  lr_guard_outcome *go = o ? o->guard : NULL;
  lr_arena *a = resp->scratch ? resp->scratch : req->arena;
  const lr_pii_masker *m = go ? go->resp_masker : NULL;
  if (o && o->push_stream && resp->sse_event) {
    int styles[LR_PII__COUNT];
    if (!o->npush || !push_styles(a, req, o, styles)) return LR_STAGE_CONTINUE;
    m = masker_for(g, a, styles);
    go = stream_outcome(req, o);
  }
  if (!go || !m) return LR_STAGE_CONTINUE;
  lr_pii_counts c = {0};
  if (resp->sse_event) {
    lr_pii_stream *s = lr_pii_stream_new(m, LR_PII_STREAM_SSE);
    lr_buf out = {0};
    lr_pii_stream_feed(s, resp->body.p, resp->body.n, &out, &c);
    lr_pii_stream_finish(s, &out, &c);
    lr_pii_stream_free(s);
    if (any(&c)) resp->body = lr_str_dup(a, lr_buf_str(&out));
    lr_buf_free(&out);
  } else {
    bool json = resp->head && lr_pipeline_is_json(resp->head->content_type);
    resp->body = mask_body(m, req->arena, resp->body, json, &c);
  }
  add_counts(&go->masked_response, &c);
  guard_count_masked(g, 1, &c);
  return LR_STAGE_CONTINUE;
}

lr_stage lr_stage_mask(lr_guard_ctx *g) {
  return (lr_stage){.name = "mask",
                    .on_request = mask_on_request,
                    .on_response_head = mask_on_response_head,
                    .on_response = mask_on_response,
                    .ctx = g};
}
