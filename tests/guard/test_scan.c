/*
 * test_scan.c — the detectors of guard/scan.re and its validators: true
 * positives in many formats and every trap of PII.md as a negative.
 */
#include "pii_cases.h"

#define PEM_BODY                                                                                   \
  "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7onLRnrq0/IzW7yWR7QkrmBL"   \
  "7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxKLxoS2tFczGkPLPgizskuemMghRniWaoLcyehkd3qqGElvW/VDL5AaWTg"

Test(scan, private_keys) {
  static const pii_case c[] = {
      {"key:\n-----BEGIN RSA PRIVATE KEY-----\n" PEM_BODY "\n-----END RSA PRIVATE KEY-----\nok",
       "PRIVATE_KEY",
       "-----BEGIN RSA PRIVATE KEY-----\n" PEM_BODY "\n-----END RSA PRIVATE KEY-----"},
      {"-----BEGIN PRIVATE KEY-----\\n" PEM_BODY "\\n-----END PRIVATE KEY-----", "PRIVATE_KEY",
       "-----BEGIN PRIVATE KEY-----\\n" PEM_BODY "\\n-----END PRIVATE KEY-----"},
      {"\"-----BEGIN OPENSSH PRIVATE KEY-----\\\\n" PEM_BODY
       "\\\\n-----END OPENSSH PRIVATE KEY-----\"",
       "PRIVATE_KEY",
       "-----BEGIN OPENSSH PRIVATE KEY-----\\\\n" PEM_BODY
       "\\\\n-----END OPENSSH PRIVATE KEY-----"},
      {"-----BEGIN EC PRIVATE KEY-----\r\n" PEM_BODY "\r\n-----END EC PRIVATE KEY-----",
       "PRIVATE_KEY",
       "-----BEGIN EC PRIVATE KEY-----\r\n" PEM_BODY "\r\n-----END EC PRIVATE KEY-----"},
      {"-----BEGIN ENCRYPTED PRIVATE KEY-----\n" PEM_BODY "\n-----END ENCRYPTED PRIVATE KEY-----",
       "PRIVATE_KEY",
       "-----BEGIN ENCRYPTED PRIVATE KEY-----\n" PEM_BODY "\n-----END ENCRYPTED PRIVATE KEY-----"},
      {"-----BEGIN PGP PRIVATE KEY BLOCK-----\n\n" PEM_BODY
       "\n=abcd\n-----END PGP PRIVATE KEY BLOCK-----",
       "PRIVATE_KEY",
       "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\n" PEM_BODY
       "\n=abcd\n-----END PGP PRIVATE KEY BLOCK-----"},
      /* traps */
      {"-----BEGIN PUBLIC KEY-----\n" PEM_BODY "\n-----END PUBLIC KEY-----", NULL, NULL},
      {"-----BEGIN CERTIFICATE-----\n" PEM_BODY "\n-----END CERTIFICATE-----", NULL, NULL},
      {"-----BEGIN RSA PRIVATE KEY-----\n[REDACTED]\n-----END RSA PRIVATE KEY-----", NULL, NULL},
      {"-----BEGIN PRIVATE KEY-----\nMIIEvQ...\n-----END PRIVATE KEY-----", NULL, NULL},
      {"-----BEGIN RSA PRIVATE KEY-----\n" PEM_BODY "\n-----END EC PRIVATE KEY-----", NULL, NULL},
      {"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl user@host",
       NULL, NULL},
  };
  PII_CHECK(c, 0);
}

Test(scan, aws) {
  static const pii_case c[] = {
      {"aws_access_key_id = AKIACAIOCTIQ3HGETMYQ", "AWS_ACCESS_KEY", "AKIACAIOCTIQ3HGETMYQ"},
      {"{\"AccessKeyId\":\"ASIACAIOCTIQ3HGETMYQ\"}", "AWS_ACCESS_KEY", "ASIACAIOCTIQ3HGETMYQ"},
      {"aws_secret_access_key = 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", "AWS_SECRET_KEY",
       "S01cwZeVyUV3qd72O+rAWTslT+4hrkoP0b8Q+PdO"},
      {"\"SecretAccessKey\": \"S01cwZeVyUV3qd72O+rAWTslT+4hrkoP0b8Q+PdO\"", "AWS_SECRET_KEY",
       "S01cwZeVyUV3qd72O+rAWTslT+4hrkoP0b8Q+PdO"},
      {"Access key ID: AKIAQWERTYUIOPASDFGH\nSecret access key: "
       "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",
       "AWS_SECRET_KEY", "9drTJvcXLB89QWERTYwJalrXUtnFEMIK7MDENGb/"},
      {"AWS Secret Access Key [None]: Xk9mP2qLw7Rt/ab+cdEFghIJklMNopQRstUVwx12", "AWS_SECRET_KEY",
       "Xk9mP2qLw7Rt/ab+cdEFghIJklMNopQRstUVwx12"},
      {"Use key AKIAQWERTYUIOPASDFGH / 9drTJvcXLB89QWERTYwJalrXUtnFEMIK7MDENGb/", "AWS_SECRET_KEY",
       "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"},
      {"Access key ID,Secret access "
       "key\nAKIACAIOCTIQ3HGETMYQ,S01cwZeVyUV3qd72O+rAWTslT+4hrkoP0b8Q+PdO\n",
       "AWS_SECRET_KEY", "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"},
      /* traps */
      {"the docs use AKIAIOSFODNN7EXAMPLE as key", NULL, NULL},
      {"aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", NULL, NULL},
      {"role AROACAIOCTIQ3HGETMYQ user AIDACAIOCTIQ3HGETMYQ group AGPACAIOCTIQ3HGETMYQ", NULL,
       NULL},
      {"AKIACAIOCTIQ3HGETMYQ,da39a3ee5e6b4b0d3255bfef95601890afd80709", "AWS_ACCESS_KEY",
       "AKIACAIOCTIQ3HGETMYQ"},
      {"commit da39a3ee5e6b4b0d3255bfef95601890afd80709 secret_key", NULL, NULL},
      {"XAKIACAIOCTIQ3HGETMYQ", NULL, NULL},
  };
  PII_CHECK(c, 0);
}

Test(scan, github) {
  static const pii_case c[] = {
      {"GITHUB_TOKEN=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", "GITHUB_TOKEN",
       "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"},
      {"Authorization: token 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", "GITHUB_TOKEN",
       "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"},
      {"\"ghs_CN6Zj4a3dDVhYRnKTbxTNJFoBinF5a42GyMy\"", "GITHUB_TOKEN",
       "ghs_CN6Zj4a3dDVhYRnKTbxTNJFoBinF5a42GyMy"},
      /* right after UTF-8 bytes, which the scanner skips with the blanks */
      {"clé·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", "GITHUB_TOKEN",
       "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"},
      {"pat "
       "github_pat_lXDOHLm3VHazN8hWXeotsD_"
       "5HvFOPfSRzJsqtz182RjmvpUzbV04PxxxqXsTSFo6E99Xh6yqkifsmvT5Zn end",
       "GITHUB_TOKEN",
       "github_pat_lXDOHLm3VHazN8hWXeotsD_"
       "5HvFOPfSRzJsqtz182RjmvpUzbV04PxxxqXsTSFo6E99Xh6yqkifsmvT5Zn"},
      /* traps: bad checksum, wrong length, placeholder */
      {"token ghp_JXVuLkSIc47WQAmL9xVQ2zg4mZaouq416qWA", NULL, NULL},
      {"ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", NULL, NULL},
      {"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x", NULL, NULL},
  };
  PII_CHECK(c, 0);
}

Test(scan, vendor_tokens) {
  static const pii_case c[] = {
      {"OPENAI_API_KEY=sk-proj-KLiMcVbpT4r5yHUig43kT3BlbkFJiJfahqSIjOugM1yTMAd7", "OPENAI_KEY",
       "sk-proj-KLiMcVbpT4r5yHUig43kT3BlbkFJiJfahqSIjOugM1yTMAd7"},
      {"key: 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.", "OPENAI_KEY",
       "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"},
      {"x-api-key: "
       "sk-ant-api03-T1-NXa0IrleG6woopoDzp7O8QuKEh6D0JCk39QmJWikyFE-xzzdAIDhXzK2QkI3cBXkLjSgSOUpTP_"
       "j33ZyXOivikASDTAA",
       "ANTHROPIC_KEY",
       "sk-ant-api03-T1-NXa0IrleG6woopoDzp7O8QuKEh6D0JCk39QmJWikyFE-xzzdAIDhXzK2QkI3cBXkLjSgSOUpTP_"
       "j33ZyXOivikASDTAA"},
      {"maps?key=AIzayPhQz0ziAFnPzMtgBoxpAKLG3JxIyiJG21D&q=1", "GOOGLE_API_KEY",
       "AIzayPhQz0ziAFnPzMtgBoxpAKLG3JxIyiJG21D"},
      {"stripe.api_key = 'sk_live_Xlx8RtCqtD1GDIWFmbKGYQr8'", "STRIPE_KEY",
       "sk_live_Xlx8RtCqtD1GDIWFmbKGYQr8"},
      {"rk_test_3wlMvTgbqvXQqwuW8Y9XW1tS", "STRIPE_KEY", "rk_test_3wlMvTgbqvXQqwuW8Y9XW1tS"},
      {"SLACK_BOT_TOKEN=xoxb-803340187801-7598983478878-yFiXuuyxGxZvyCrS8Q7PSK4g", "SLACK_TOKEN",
       "xoxb-803340187801-7598983478878-yFiXuuyxGxZvyCrS8Q7PSK4g"},
      {"post to https://hooks.slack.com/services/T0ABCDEFG/B0ABCDEFG/Xlx8RtCqtD1GDIWFmbKGYQr8 now",
       "SLACK_TOKEN",
       "https://hooks.slack.com/services/T0ABCDEFG/B0ABCDEFG/Xlx8RtCqtD1GDIWFmbKGYQr8"},
      {"glpat-Us9RcFJkIWHxSCo-KSKt", "GITLAB_TOKEN", "glpat-Us9RcFJkIWHxSCo-KSKt"},
      {"//registry.npmjs.org/:_authToken=npm_WPLQCMK5kN1LZTSj1OLXdIWz47woEu65GH2v", "NPM_TOKEN",
       "npm_WPLQCMK5kN1LZTSj1OLXdIWz47woEu65GH2v"},
      {"HF_TOKEN=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", "HUGGINGFACE_TOKEN",
       "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"},
      {"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", "SENDGRID_KEY",
       "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"},
      {"twilio SK8baa7196b50ac2f86702824c1c099724", "TWILIO_KEY",
       "SK8baa7196b50ac2f86702824c1c099724"},
      {"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", "SHOPIFY_TOKEN",
       "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"},
      {"dop_v1_8767efc2f91624a8940f1f836f99eee3692f09e2e8c662248b483b7ffc050fec",
       "DIGITALOCEAN_TOKEN",
       "dop_v1_8767efc2f91624a8940f1f836f99eee3692f09e2e8c662248b483b7ffc050fec"},
      {"VAULT_TOKEN=hvs.cIrimeFg0fhoFP1bWl8on9ksZ6ZD6aJVYteOls3pQA6qvHa-6GLyrhacWXpUczoFLK9Q_"
       "SvgvsHOVBMhBeUlXP2qnq",
       "VAULT_TOKEN",
       "hvs.cIrimeFg0fhoFP1bWl8on9ksZ6ZD6aJVYteOls3pQA6qvHa-6GLyrhacWXpUczoFLK9Q_"
       "SvgvsHOVBMhBeUlXP2qnq"},
      {"名前: sk-proj-KLiMcVbpT4r5yHUig43kT3BlbkFJiJfahqSIjOugM1yTMAd7🔑", "OPENAI_KEY",
       "sk-proj-KLiMcVbpT4r5yHUig43kT3BlbkFJiJfahqSIjOugM1yTMAd7"},
      {"SLACK_TOKEN=xoxc-803340187801-7598983478878-yFiXuuyxGxZvyCrS8Q7PSK4g", "SLACK_TOKEN",
       "xoxc-803340187801-7598983478878-yFiXuuyxGxZvyCrS8Q7PSK4g"},
      {"refresh xoxe.xoxp-1-Mi0yLTgwMzM0MDE4NzgwMS03NTk4OTgzNDc4ODc4LTc1OTg5ODM0Nzg4Nzg", "SLACK_TOKEN",
       "xoxe.xoxp-1-Mi0yLTgwMzM0MDE4NzgwMS03NTk4OTgzNDc4ODc4LTc1OTg5ODM0Nzg4Nzg"},
      {"runner token glrt-t3_Us9RcFJkIWHxSCoKSKtZ", "GITLAB_TOKEN", "glrt-t3_Us9RcFJkIWHxSCoKSKtZ"},
      {"deploy gldt-Us9RcFJkIWHxSCo-KSKt", "GITLAB_TOKEN", "gldt-Us9RcFJkIWHxSCo-KSKt"},
      {"trigger glptt-0f7a3c9e2b1d4a6f8e5c7b9a1d3f5e7c9b2a4d6f", "GITLAB_TOKEN",
       "glptt-0f7a3c9e2b1d4a6f8e5c7b9a1d3f5e7c9b2a4d6f"},
      /* PII.md: STRIPE_KEY is sk_/rk_ only; a webhook secret is a keyed generic secret */
      {"STRIPE_WEBHOOK_SECRET=whsec_5Kx8vQ2mLp9RtZw3NbT7yH1cF4jD6gS0", "GENERIC_SECRET",
       "whsec_5Kx8vQ2mLp9RtZw3NbT7yH1cF4jD6gS0"},
      /* a token as a call's first argument (the call-pair rule must not swallow it) */
      {"new BasicAWSCredentials(\"AKIAZ7QXHB3TMWE4PLJK\", \"x\")", "AWS_ACCESS_KEY",
       "AKIAZ7QXHB3TMWE4PLJK"},
      {"g = Github(\"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\", \"x\")", "GITHUB_TOKEN",
       "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"},
      /* traps */
      {"publishable pk_live_nBc0np9B9Udk7Z3KhXXZUon6 is public", NULL, NULL},
      {"OPENAI_API_KEY=sk-... and sk-proj-abc", NULL, NULL},
      {"sk-ant-api03-short", NULL, NULL},
      {"the task-list and risk-assessment", NULL, NULL},
      {"the glrt-runner and gldt-config docs; whsec_... in the dashboard", NULL, NULL},
      {"xoxb-your-token-here", NULL, NULL},
  };
  PII_CHECK(c, 0);
}

Test(scan, jwt) {
  static const pii_case c[] = {
      {"Authorization: Bearer "
       "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_"
       "XgL0n3I9PlFUP0THsR8U",
       "JWT",
       "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_"
       "XgL0n3I9PlFUP0THsR8U"},
      {"id_token=eyJhbGciOiJub25lIn0.eyJzdWIiOiJhYmMifQ.", "JWT",
       "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhYmMifQ."},
      /* traps: header without alg, not JSON */
      {"eyJ0eXAiOiJKV1QifQ.eyJzdWIiOiIxMjM0NTY3ODkwIn0.abc", NULL, NULL},
      {"eyJzdHVmZiI6.eyJzdWIiOiIxMjM0NTY3ODkwIn0.abc", NULL, NULL},
  };
  PII_CHECK(c, 0);
}

Test(scan, generic_secret) {
  static const pii_case c[] = {
      {"DB_PASSWORD=Tr0ub4dor&3xyz", "GENERIC_SECRET", "Tr0ub4dor&3xyz"},
      {"{\"password\": \"s3cr3t-Passw0rd!\"}", "GENERIC_SECRET", "s3cr3t-Passw0rd!"},
      {"client_secret: 8f3kLm2PqR9sT4vW", "GENERIC_SECRET", "8f3kLm2PqR9sT4vW"},
      {"mysql --password q8Zr!x2Lm9Tv -h db", "GENERIC_SECRET", "q8Zr!x2Lm9Tv"},
      {"psql postgres://app:Xk9mQ2pLs7Vw@db.internal:5432/prod", "GENERIC_SECRET", "Xk9mQ2pLs7Vw"},
      {"curl -H 'Authorization: Bearer 9f8e7d6c5b4a39281706fAbCdEf' https://api", "GENERIC_SECRET",
       "9f8e7d6c5b4a39281706fAbCdEf"},
      {"Authorization: Basic YWxhZGRpbjpvcGVuc2VzYW1l", "GENERIC_SECRET",
       "YWxhZGRpbjpvcGVuc2VzYW1l"},
      {"apiKey = \"a8F3kd92LmQx7Tz1\"", "GENERIC_SECRET", "a8F3kd92LmQx7Tz1"},
      {"export API_TOKEN='Zx81mNq4RtY7pL2w'", "GENERIC_SECRET", "Zx81mNq4RtY7pL2w"},
      {"curl -u admin:S3cureP4ss! https://x", "GENERIC_SECRET", "S3cureP4ss!"},
      {"Server=tcp:db.windows.net;User ID=app;Password=Xk9m!Qp2Lw;", "GENERIC_SECRET",
       "Xk9m!Qp2Lw"},
      {"AccountName=acct;AccountKey=q8Zr2xLm9TvB4nK7pW1sY6dF3gH5jA0c==;", "GENERIC_SECRET",
       "q8Zr2xLm9TvB4nK7pW1sY6dF3gH5jA0c=="},
      {"GET /v1/data?api_key=abc123XYZ789def&format=json", "GENERIC_SECRET", "abc123XYZ789def"},
      {"pwd=Tr0ub4dor&3xyz;", "GENERIC_SECRET", "Tr0ub4dor&3xyz"},
      /* aligned assignments (terraform fmt, .ini, YAML) */
      {"password     = \"Kx8vQ2mLp9RtZw3N\"", "GENERIC_SECRET", "Kx8vQ2mLp9RtZw3N"},
      {"  password             = \"Kx8vQ2mLp9RtZw3N\"", "GENERIC_SECRET", "Kx8vQ2mLp9RtZw3N"},
      {"token      : Kx8vQ2mLp9RtZw3N", "GENERIC_SECRET", "Kx8vQ2mLp9RtZw3N"},
      {"password:               Kx8vQ2mLp9RtZw3N", "GENERIC_SECRET", "Kx8vQ2mLp9RtZw3N"},
      /* generated passwords start with any symbol */
      {"CLIENT_SECRET=~R*^UNQkv9Dk", "GENERIC_SECRET", "~R*^UNQkv9Dk"},
      {"- SECRET_KEY=%qE!RLWqbH^p-O5q^BvxAhTmrfeoYF", "GENERIC_SECRET", "%qE!RLWqbH^p-O5q^BvxAhTmrfeoYF"},
      /* other assignment shapes: call arguments, XML elements, table cells, the Token scheme */
      {"define( 'DB_PASSWORD', 'Kx8vQ2mLp9RtZw3N' );", "GENERIC_SECRET", "Kx8vQ2mLp9RtZw3N"},
      {"os.environ.setdefault(\"API_TOKEN\", \"Kx8vQ2mLp9RtZw3N\")", "GENERIC_SECRET",
       "Kx8vQ2mLp9RtZw3N"},
      {"req.headers.set('Authorization', 'Token Kx8vQ2mLp9RtZw3N')", "GENERIC_SECRET",
       "Kx8vQ2mLp9RtZw3N"},
      {"<password>Kx8vQ2mLp9RtZw3N</password>", "GENERIC_SECRET", "Kx8vQ2mLp9RtZw3N"},
      {"<server><id>nexus</id><password>Kx8vQ2mLp9RtZw3N</password></server>", "GENERIC_SECRET",
       "Kx8vQ2mLp9RtZw3N"},
      {"| password | Kx8vQ2mLp9RtZw3N |", "GENERIC_SECRET", "Kx8vQ2mLp9RtZw3N"},
      {"| Key | Value |\n|-----|-------|\n| API key | Kx8vQ2mLp9RtZw3N |", "GENERIC_SECRET",
       "Kx8vQ2mLp9RtZw3N"},
      {"Authorization: Token Kx8vQ2mLp9RtZw3N", "GENERIC_SECRET", "Kx8vQ2mLp9RtZw3N"},
      {"headers = {\"Authorization\": \"Token Kx8vQ2mLp9RtZw3N\"}", "GENERIC_SECRET",
       "Kx8vQ2mLp9RtZw3N"},
      /* still secrets: generated values, even when they are made of letters */
      {"API_TOKEN=QmRtZwLpXvNkYbHs", "GENERIC_SECRET", "QmRtZwLpXvNkYbHs"},
      {"password=fagvPmxgNowjvb", "GENERIC_SECRET", "fagvPmxgNowjvb"},
      {"DB_PASSWORD=CorrectHorseBatteryStaple", "GENERIC_SECRET", "CorrectHorseBatteryStaple"},
      {"password: Tiger_Lily_Moon_Garden", "GENERIC_SECRET", "Tiger_Lily_Moon_Garden"},
      {"POSTGRES_PASSWORD=Contest2024!x9Q", "GENERIC_SECRET", "Contest2024!x9Q"},
      {"{\"api_key\": \"uP7pyYWzTGemndTestbHMMuWuJFMWTfD\"}", "GENERIC_SECRET",
       "uP7pyYWzTGemndTestbHMMuWuJFMWTfD"},
      {"{\"REDIS_PASSWORD\": \"KXPQ_WMRT_ZLBN_VGHC\"}", "GENERIC_SECRET", "KXPQ_WMRT_ZLBN_VGHC"},
      {":redis:\n  :password: PEZylMU5eD1kptpv9E", "GENERIC_SECRET", "PEZylMU5eD1kptpv9E"},
      {"auth: Xk9mP2vLq8zQ", "GENERIC_SECRET", "Xk9mP2vLq8zQ"},
      {"{\"session_token\": \"9f86d081884c7d659a2feaa0c55ad015\"}", "GENERIC_SECRET",
       "9f86d081884c7d659a2feaa0c55ad015"},
      {"mysql --password 'q8Zr!x2Lm9Tv=' -h db", "GENERIC_SECRET", "q8Zr!x2Lm9Tv="},
      /* a password with upper case and digits is not a variable name */
      {"password: \"X7K2P9QWZ4\"", "GENERIC_SECRET", "X7K2P9QWZ4"},
      {"$env:API_TOKEN = \"VNt2TZ8ORPBd_\"", "GENERIC_SECRET", "VNt2TZ8ORPBd_"},
      {"opts = { :password => 'r^j#iG*Y~0@.0I6@G4-_re', :host => 'db' }", "GENERIC_SECRET",
       "r^j#iG*Y~0@.0I6@G4-_re"},
      {"SECRET_KEY_BASE=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "GENERIC_SECRET",
       "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"},
      {"redis-cli -u redis://:Xk9mP2vLq8zQ@cache:6379/0", "GENERIC_SECRET", "Xk9mP2vLq8zQ"},
      {"jdbc:sqlserver://sql01:1433;user=sa;password=Xk9@mP2vLq8z;encrypt=true", "GENERIC_SECRET",
       "Xk9@mP2vLq8z"},
      {"db_password = Tr0ub4dor.3xyz", "GENERIC_SECRET", "Tr0ub4dor.3xyz"},
      {"password=q3IWaMkvjMl4IgwnHvas.qp5", "GENERIC_SECRET", "q3IWaMkvjMl4IgwnHvas.qp5"},
      {"VAULT_TOKEN=s.Xk9mP2qLr7vTbN4wYc8eHj3u", "GENERIC_SECRET", "s.Xk9mP2qLr7vTbN4wYc8eHj3u"},
      {"token: ghrmp4.tqjq2rhfc2myvs8q", "GENERIC_SECRET", "ghrmp4.tqjq2rhfc2myvs8q"},
      /* 40 characters after an ordinary keyword: generic, not AWS (PII.md names the AWS keys) */
      {"x-api-key: qM2FU4lZFMjxpOhht2Eob3MeJ0VrgMhRvK3iJTnH", "GENERIC_SECRET",
       "qM2FU4lZFMjxpOhht2Eob3MeJ0VrgMhRvK3iJTnH"},
      {"SESSION_SECRET=Hh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7", "GENERIC_SECRET",
       "Hh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7"},
      /* lower-case schemes (HTTP/2 header lines, prose): the plain-byte skip
         must not jump over the scheme word */
      {"authorization: bearer 9f8e7d6c5b4a39281706fAbCdEf", "GENERIC_SECRET",
       "9f8e7d6c5b4a39281706fAbCdEf"},
      {"then call it with bearer 9f8e7d6c5b4a39281706fAbCdEf please", "GENERIC_SECRET",
       "9f8e7d6c5b4a39281706fAbCdEf"},
      {"sent as basic YWxhZGRpbjpvcGVuc2VzYW1l here", "GENERIC_SECRET",
       "YWxhZGRpbjpvcGVuc2VzYW1l"},
      /* several blanks after the scheme; the scheme first in the text */
      {"authorization: bearer \t 9f8e7d6c5b4a39281706fAbCdEf", "GENERIC_SECRET",
       "9f8e7d6c5b4a39281706fAbCdEf"},
      {"basic  YWxhZGRpbjpvcGVuc2VzYW1l", "GENERIC_SECRET", "YWxhZGRpbjpvcGVuc2VzYW1l"},
      {"basic YWxhZGRpbjpvcGVuc2VzYW1l", "GENERIC_SECRET", "YWxhZGRpbjpvcGVuc2VzYW1l"},
      {"the bearer of bad news", NULL, NULL},
      {"a basic  setup Works", NULL, NULL},
      {"xbearer 9f8e7d6c5b4a39281706fAbCdEf", NULL, NULL},
      /* name/value pairs: Kubernetes env, key/value lists */
      {"env:\n  - name: DB_PASSWORD\n    value: \"Tr0ub4dor&3xyz\"\n", "GENERIC_SECRET",
       "Tr0ub4dor&3xyz"},
      {"- name: API_TOKEN\n  value: Zx81mNq4RtY7pL2w", "GENERIC_SECRET", "Zx81mNq4RtY7pL2w"},
      {"params = [{'Key': 'client_secret', 'Value': '2Fq8Ls9Zk3Xv7Pw1Mn4Bc6Tg'}]",
       "GENERIC_SECRET", "2Fq8Ls9Zk3Xv7Pw1Mn4Bc6Tg"},
      {"- name: LOG_LEVEL\n  value: Zx81mNq4RtY7pL2w", NULL, NULL},
      {"- name: token_count\n  value: Zx81mNq4RtY7pL2w", NULL, NULL},
      {"- name: DB_PASSWORD\n  port: 5432\n  value: Zx81mNq4RtY7pL2w", NULL, NULL},
      {"- name: DB_PASSWORD\n  value: changeme", NULL, NULL},
      {"filename: DB_PASSWORD value: Zx81mNq4RtY7pL2w", NULL, NULL},
      /* traps: placeholders, name-like keys, high entropy without keyword */
      {"password: ********", NULL, NULL},
      {"a server that uses SSL and Basic authentication: see docs", NULL, NULL},
      {"X509v3 Basic Constraints: critical", NULL, NULL},
      {"https://username:password@pypi.company.com/simple", NULL, NULL},
      {"password=<your-password>", NULL, NULL},
      {"token: ${GITHUB_TOKEN}", NULL, NULL},
      {"secret: {{ secrets.DEPLOY_KEY }}", NULL, NULL},
      {"with: token: ${{ secrets.X }}", NULL, NULL},
      {"password=changeme", NULL, NULL},
      {"api_key=YOUR_API_KEY", NULL, NULL},
      {"password: REDACTED", NULL, NULL},
      {"password: null", NULL, NULL},
      {"secret_name: prod/db/Credentials2024", NULL, NULL},
      {"\"token_type\": \"Bearer\", \"max_tokens\": 4096", NULL, NULL},
      {"public_key = AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0", NULL, NULL},
      {"next_page_token: CiAKGjBpNDd2Nmp2Zml2cXRwYjBpOXA0", NULL, NULL},
      {"id 550e8400-e29b-41d4-a716-446655440000 sha da39a3ee5e6b4b0d3255bfef95601890afd80709", NULL,
       NULL},
      {"sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", NULL, NULL},
      {"integrity sha512-Q2hlY2tzdW0gb2YgYSBwYWNrYWdlIHRhcmJhbGwgYmFzZTY0", NULL, NULL},
      {"trace_id=4bf92f3577b34da6a3ce929d0e0e4736", NULL, NULL},
      {"password: [GENERIC_SECRET]", NULL, NULL},
      /* code that reads a secret is not one */
      {"api_key = settings.API_KEY", NULL, NULL},
      {"String password = System.getenv(\"DB_PASSWORD\");", NULL, NULL},
      {"password=self.password; token = os.Getenv(\"TOKEN\")", NULL, NULL},
      {"let api_key = env::var(\"API_KEY\")?; secret = request.headers.get('x')", NULL, NULL},
      {"password: config.database.password, token: req.body.token,", NULL, NULL},
      {"secret_key = Rails.application.credentials.secret_key_base", NULL, NULL},
      {"token = ENV.TOKEN; password = $this->password", NULL, NULL},
      {"password = cfg.dbPass; const secret = config.jwtSecret; token: ctx.jwtToken", NULL, NULL},
      {"apiKey = this.gcpApiKey", NULL, NULL},
      {"Authorization: AWS4-HMAC-SHA256 Credential=AKIAZ7QXHB3TMWE4PLJK/20240611/us-east-1/s3/"
       "aws4_request, SignedHeaders=host, Signature=fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024",
       "AWS_ACCESS_KEY", "AKIAZ7QXHB3TMWE4PLJK"},
      /* identifiers and types in code where a value would be */
      {"res.json({ access_token: accessToken, refresh_token: refreshToken });", NULL, NULL},
      {"const body = { password: hashedPassword, token: newSessionToken };", NULL, NULL},
      {"return cls(api_key=api_key, secret=client_secret)\n        self.token = access_token", NULL,
       NULL},
      {"  constructor(private readonly apiKey: ConfigService) {}", NULL, NULL},
      {"async def me(token: Annotated[str, Depends(oauth2_scheme)]):", NULL, NULL},
      {"    pub token: SecretString,", NULL, NULL},
      {"var authority = builder.Configuration[\"Auth:Authority\"]; auth: Audience", NULL, NULL},
      /* names of secrets, digests, specs, ids, fixtures */
      {"    existingSecret: api-postgresql", NULL, NULL},
      {"  checksum/secret: 69ab38532f820f4946ff77bee879c1207c40ee16e316048af1fbf6e7fc3168cb", NULL,
       NULL},
      {"docker build --secret id=npmrc,src=$HOME/.npmrc -t app .", NULL, NULL},
      {"{\"idempotency_token\": \"7e0c2a4e-1b2f-4c3d-9e8f-0a1b2c3d4e5f\", \"cart_token\": "
       "\"38fb51834fc83dd47da4b7140dda78bc\"}",
       NULL, NULL},
      {"STRIPE_SECRET_KEY=sk_test_... and API_TOKEN=abcd1234…", NULL, NULL},
      {"password=\"testpass123\" secret = \"whsec_test\" JWT_SECRET: test-only-secret", NULL, NULL},
      /* cut short in every key shape, not only key = value */
      {"--token abcd1234... and setenv(\"API_TOKEN\", \"sk_test_...\") and pwd=Zk81mNq4…", NULL, NULL},
      {"password=\"wrong-password\" pwd = 'Password1!' clientId: builder[\"Auth:ClientId\"]", NULL,
       NULL},
      {"<input type=\"hidden\" name=\"csrfmiddlewaretoken\" "
       "value=\"l2yzQ8rT5vW1xZ3bN6mK9pL4jH7gF0dS2aE5cR8tY1uI4oP7\">",
       NULL, NULL},
      {"\"client_secret\": \"pi_3MtwBwLkdIwHu7ix28a3tqPa_secret_YrKJUKribcBjcG8HVhfZluoGH\"", NULL,
       NULL},
      /* environment-variable names and templates in place of the value */
      {"api_key=\"OPENAI_API_KEY\" client_secret: \"CLIENT_SECRET\"", NULL, NULL},
      {"password: DB_PASSWORD token: MY_API_KEY_2", NULL, NULL},
      {"  POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:-postgres}", NULL, NULL},
      {"password: ${DB_PASSWORD:?required}", NULL, NULL},
      {"password: \"#{DB_PASSWORD}\" token: '@@API_TOKEN@@'", NULL, NULL},
      {"password: '#{ENV.fetch(\"DB_PASSWORD\")}'", NULL, NULL},
      /* identifiers that only look keyed */
      {"\"ARN\": \"arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf\"", NULL, NULL},
      {"Newtonsoft.Json, Version=13.0.0.0, Culture=neutral, PublicKeyToken=30ad4fe6b2a6aeed",
       NULL, NULL},
      {"if ($password =~ /^[a-z0-9]+$/) { ok }", NULL, NULL},
      /* placeholder words with '_' (a case fold of '_' made them unreachable once) */
      {"token: Zq81_token_here9 password: Xk9_change_me_7Q api_key = \"Kx8vQ2_not_set_1\"", NULL,
       NULL},
      {"<password>${env.DB_PASS}</password> <token></token>", NULL, NULL},
      {"define('DB_PASSWORD', getenv('DB_PASSWORD')); define('WP_DEBUG', 'Kx8vQ2mLp9RtZw3N');",
       NULL, NULL},
      {"log.info('token', 'refreshing'); t('password', 'Password')", NULL, NULL},
      {"| password | string | The user's password |", NULL, NULL},
      {"cat password.txt | base64 -d | secret || token", NULL, NULL},
      {"| Name | Value |\n|---|---|\n| token | (see vault) |", NULL, NULL},
      {"enter your password and the token you received", NULL, NULL},
      {"Authorization: Token", NULL, NULL},
      {"if (password == confirmPassword) return", NULL, NULL},
      {"postgres://user:${DB_PASS}@localhost/db", NULL, NULL},
      {"secret: projects/my-proj/secrets/db-pass/versions/3", NULL, NULL},
      {"password_file=/run/secrets/db_password", NULL, NULL},
      {"{\"token\": \"tokenization\", \"logprob\": -0.12}", NULL, NULL},
  };
  PII_CHECK(c, 0);
}

/* Every secret key name gets past the cheap ending filter of
 * pii_classify_key (secret.c) in the forms keys take. */
Test(scan, secret_key_names) {
  static const pii_case c[] = {
      {"db_password=Zx81mNq4RtY7pL2wQ9k", "GENERIC_SECRET", "Zx81mNq4RtY7pL2wQ9k"},
      {"APP_PASSWD=Zx81mNq4RtY7pL2wQ9k", "GENERIC_SECRET", "Zx81mNq4RtY7pL2wQ9k"},
      {"myPwd2=Zx81mNq4RtY7pL2wQ9k", "GENERIC_SECRET", "Zx81mNq4RtY7pL2wQ9k"},
      {"db_passphrase=Zx81mNq4RtY7pL2wQ9k", "GENERIC_SECRET", "Zx81mNq4RtY7pL2wQ9k"},
      {"APP_SECRET=Zx81mNq4RtY7pL2wQ9k", "GENERIC_SECRET", "Zx81mNq4RtY7pL2wQ9k"},
      {"myToken2=Zx81mNq4RtY7pL2wQ9k", "GENERIC_SECRET", "Zx81mNq4RtY7pL2wQ9k"},
      {"db_apikey=Zx81mNq4RtY7pL2wQ9k", "GENERIC_SECRET", "Zx81mNq4RtY7pL2wQ9k"},
      {"APP_ACCESSKEY=Zx81mNq4RtY7pL2wQ9k", "GENERIC_SECRET", "Zx81mNq4RtY7pL2wQ9k"},
      {"mySecretkey2=Zx81mNq4RtY7pL2wQ9k", "GENERIC_SECRET", "Zx81mNq4RtY7pL2wQ9k"},
      {"db_privatekey=Zx81mNq4RtY7pL2wQ9k", "GENERIC_SECRET", "Zx81mNq4RtY7pL2wQ9k"},
      {"APP_SIGNINGKEY=Zx81mNq4RtY7pL2wQ9k", "GENERIC_SECRET", "Zx81mNq4RtY7pL2wQ9k"},
      {"myEncryptionkey2=Zx81mNq4RtY7pL2wQ9k", "GENERIC_SECRET", "Zx81mNq4RtY7pL2wQ9k"},
      {"db_masterkey=Zx81mNq4RtY7pL2wQ9k", "GENERIC_SECRET", "Zx81mNq4RtY7pL2wQ9k"},
      {"APP_SESSIONKEY=Zx81mNq4RtY7pL2wQ9k", "GENERIC_SECRET", "Zx81mNq4RtY7pL2wQ9k"},
      {"myClientkey2=Zx81mNq4RtY7pL2wQ9k", "GENERIC_SECRET", "Zx81mNq4RtY7pL2wQ9k"},
      {"db_credential=Zx81mNq4RtY7pL2wQ9k", "GENERIC_SECRET", "Zx81mNq4RtY7pL2wQ9k"},
      {"APP_CREDENTIALS=Zx81mNq4RtY7pL2wQ9k", "GENERIC_SECRET", "Zx81mNq4RtY7pL2wQ9k"},
      {"myAuthkey2=Zx81mNq4RtY7pL2wQ9k", "GENERIC_SECRET", "Zx81mNq4RtY7pL2wQ9k"},
      {"db_apisecret=Zx81mNq4RtY7pL2wQ9k", "GENERIC_SECRET", "Zx81mNq4RtY7pL2wQ9k"},
      {"APP_WEBHOOKSECRET=Zx81mNq4RtY7pL2wQ9k", "GENERIC_SECRET", "Zx81mNq4RtY7pL2wQ9k"},
      {"myAccountkey2=Zx81mNq4RtY7pL2wQ9k", "GENERIC_SECRET", "Zx81mNq4RtY7pL2wQ9k"},
      {"db_sharedaccesskey=Zx81mNq4RtY7pL2wQ9k", "GENERIC_SECRET", "Zx81mNq4RtY7pL2wQ9k"},
      {"\"authorization\": \"Token Zx81mNq4RtY7pL2wQ9k\"", "GENERIC_SECRET", "Zx81mNq4RtY7pL2wQ9k"},
      {"\"Auth\": \"Token Zx81mNq4RtY7pL2wQ9k\"", "GENERIC_SECRET", "Zx81mNq4RtY7pL2wQ9k"},
      {"\"authHeader\": \"Token Zx81mNq4RtY7pL2wQ9k\"", "GENERIC_SECRET", "Zx81mNq4RtY7pL2wQ9k"},
      {"\"proxy_auth_header\": \"Token Zx81mNq4RtY7pL2wQ9k\"", "GENERIC_SECRET", "Zx81mNq4RtY7pL2wQ9k"},
      {"db_pass=Zx81mNq4RtY7pL2wQ9k", "GENERIC_SECRET", "Zx81mNq4RtY7pL2wQ9k"},
  };
  PII_CHECK(c, 0);
}

Test(scan, credit_card) {
  static const pii_case c[] = {
      {"card 4111 1111 1111 1111 exp 12/26", "CREDIT_CARD", "4111 1111 1111 1111"},
      {"cc=5555555555554444;", "CREDIT_CARD", "5555555555554444"},
      {"refund order 4111 1111 1111 1111 today", "CREDIT_CARD", "4111 1111 1111 1111"},
      {"amex 3782-822463-10005", "CREDIT_CARD", "3782-822463-10005"},
      {"discover 6011-1111-1111-1117.", "CREDIT_CARD", "6011-1111-1111-1117"},
      {"jcb 3530111333300000", "CREDIT_CARD", "3530111333300000"},
      {"diners 30569309025904", "CREDIT_CARD", "30569309025904"},
      {"mc2 2221 0000 0000 0009", "CREDIT_CARD", "2221 0000 0000 0009"},
      {"unionpay 6200000000000005", "CREDIT_CARD", "6200000000000005"},
      {"\"number\":\"4242424242424242\"", "CREDIT_CARD", "4242424242424242"},
      {"カード番号 4111111111111111 です", "CREDIT_CARD", "4111111111111111"},
      /* traps: Luhn-valid ids without an issuer, wrong lengths, all one digit, groups */
      {"order 1234567812345670 shipped", NULL, NULL},
      {"snowflake 1234567890123456789", NULL, NULL},
      {"ts_us=1700000000000000", NULL, NULL},
      {"account 123456789012", NULL, NULL},
      {"4444444444444444", NULL, NULL},
      {"4111 1111 1111 1112", NULL, NULL},
      {"4111-1111 1111-1111", NULL, NULL},
      {"x4111111111111111", NULL, NULL},
      {"already masked **** 4242 and ****4242", NULL, NULL},
      {"Order #4532015112830366 shipped", NULL, NULL},
  };
  PII_CHECK(c, LR_PII_BIT(LR_PII_CREDIT_CARD));
}

Test(scan, email) {
  static const pii_case c[] = {
      {"mail john.doe@example.com today", "EMAIL", "john.doe@example.com"},
      {"<first.last+tag@mail.example.co.uk>", "EMAIL", "first.last+tag@mail.example.co.uk"},
      {"to: o'brien_x-y@sub-domain.io.", "EMAIL", "o'brien_x-y@sub-domain.io"},
      {"reply to 'kim@corp.dev' or \"'ana@empresa.com.br'\"", "EMAIL", "kim@corp.dev"},
      {"x 'ana@empresa.com.br'", "EMAIL", "ana@empresa.com.br"},
      {"Please contact **olu.nair@gmail.com** for access.", "EMAIL", "olu.nair@gmail.com"},
      {"From: deadbeef1234567890@company.com", "EMAIL", "deadbeef1234567890@company.com"},
      {"mailto:ana@empresa.com.br", "EMAIL", "ana@empresa.com.br"},
      {"Grüße an hans@firma.de — Jürgen", "EMAIL", "hans@firma.de"},
      {"連絡先はjohn@example.jpです", "EMAIL", "john@example.jp"},
      {"\"email\":\"kim@corp.dev\"", "EMAIL", "kim@corp.dev"},
      /* traps */
      {"icon@2x.png and logo@3x.jpg", NULL, NULL},
      {"npm i lodash@4.17.21 pkg@1.2.3", NULL, NULL},
      {"import x from '@scope/pkg'", NULL, NULL},
      {"https://user:pw@example.com/path", NULL, NULL},
      {"SENTRY_DSN=https://abc123def456@o123456.ingest.sentry.io/789", NULL, NULL},
      {"git clone git@github.com:org/repo.git", NULL, NULL},
      {"user@localhost or admin@host.internal-x", NULL, NULL},
      {"masked [EMAIL] and ****@example.com", NULL, NULL},
      {"Message-ID: <6cd8bf69-3f1e-4c2a-9b7d-1e2f3a4b5c6d@mail.example.com>", NULL, NULL},
      {"{\"email_masked\":\"j****e@outlook.com\"} a****z@gmail.com", NULL, NULL},
  };
  PII_CHECK(c, LR_PII_BIT(LR_PII_EMAIL));
}

Test(scan, ssn) {
  static const pii_case c[] = {
      {"Phone: 212 55 1234 5678 or 044 55 1234 5678", NULL, NULL}, /* groups of a longer number */
      {"social_security 536228726", "US_SSN", "536228726"},
      {"ssn: 407-79-0086\nBank: routing 074300093", "US_SSN", "407-79-0086"},
      {"ssn 536-22-8147 and 536228147, Tax ID 536228147", "US_SSN", "536-22-8147"},
      {"SSN 219-09-9998 on file", "US_SSN", "219-09-9998"},
      {"ssn: 536 22 8726", "US_SSN", "536 22 8726"},
      {"Social Security Number: 536228726", "US_SSN", "536228726"},
      /* traps */
      {"sample 078-05-1120 and 123-45-6789", NULL, NULL},
      {"bad 666-12-3456 900-12-3456 000-12-3456 536-00-8726 536-22-0000", NULL, NULL},
      {"mixed 536-22 8726", NULL, NULL},
      {"order 536228726 placed", NULL, NULL},
      {"masked ***-**-8726", NULL, NULL},
  };
  PII_CHECK(c, LR_PII_BIT(LR_PII_US_SSN));
}

Test(scan, iban) {
  static const pii_case c[] = {
      {"IBAN DE89 3704 0044 0532 0130 00 EUR", "IBAN", "DE89 3704 0044 0532 0130 00"},
      {"iban=GB82WEST12345698765432", "IBAN", "GB82WEST12345698765432"},
      {"FR1420041010050500013M02606", "IBAN", "FR1420041010050500013M02606"},
      {"pay NL91ABNA0417164300.", "IBAN", "NL91ABNA0417164300"},
      {"ES91 2100 0418 4502 0005 1332", "IBAN", "ES91 2100 0418 4502 0005 1332"},
      /* traps: bad check digits, wrong length, unknown country */
      {"DE89 3704 0044 0532 0130 01", NULL, NULL},
      {"DE89370400440532013", NULL, NULL},
      {"ZZ89370400440532013000", NULL, NULL},
      {"masked ****3000", NULL, NULL},
  };
  PII_CHECK(c, LR_PII_BIT(LR_PII_IBAN));
}

Test(scan, phone) {
  static const pii_case c[] = {
      {"call +1 415 555 2671 now", "PHONE", "+1 415 555 2671"},
      {"tel: +44 20 7946 0958", "PHONE", "+44 20 7946 0958"},
      {"+49 30 12345678", "PHONE", "+49 30 12345678"},
      {"+33 1 23 45 67 89", "PHONE", "+33 1 23 45 67 89"},
      {"+919876543210", "PHONE", "+919876543210"},
      {"office (415) 555-2671", "PHONE", "(415) 555-2671"},
      {"cell 415-555-2671.", "PHONE", "415-555-2671"},
      {"415.555.2671", "PHONE", "415.555.2671"},
      {"1-800-555-0199", "PHONE", "1-800-555-0199"},
      {"phone: 4155552671", "PHONE", "4155552671"},
      {"UK 020 7946 0958", "PHONE", "020 7946 0958"},
      {"(555) 123-4567", "PHONE", "(555) 123-4567"},
      {"call me at +44 (0) 20 7946 0958 today", "PHONE", "+44 (0) 20 7946 0958"},
      {"mobile 07700 900123", "PHONE", "07700 900123"},
      {"mobile: 98765 43210", "PHONE", "98765 43210"},
      {"+86 138 0013 8000", "PHONE", "+86 138 0013 8000"},
      {"Tokyo office 03-1234-5678", "PHONE", "03-1234-5678"},
      /* extensions glued with x, 00 dialling prefixes (Faker's en_US shapes), brackets around */
      {"Phone: 415-555-0132x4567", "PHONE", "415-555-0132x4567"},
      {"Phone: (415)555-0132x123", "PHONE", "(415)555-0132x123"},
      {"Phone: +1-415-555-0132x123", "PHONE", "+1-415-555-0132x123"},
      {"Phone: 001-415-555-0132", "PHONE", "001-415-555-0132"},
      {"call 001-415-555-0132x4567 today", "PHONE", "001-415-555-0132x4567"},
      {"from abroad dial 0044 20 7946 0958", "PHONE", "0044 20 7946 0958"},
      {"Jane Doe (+44 20 7946 0958) called", "PHONE", "+44 20 7946 0958"},
      {"call me (415-555-0132)", "PHONE", "415-555-0132"},
      /* national formats after a context word */
      {"Celular: (11) 98765-4321", "PHONE", "(11) 98765-4321"},
      {"Tel: 55 1234 5678", "PHONE", "55 1234 5678"},
      {"Tel: 612 345 678", "PHONE", "612 345 678"},
      {"Tel: 91 123 45 67", "PHONE", "91 123 45 67"},
      {"Tel: 138 0013 8000", "PHONE", "138 0013 8000"},
      {"Tel: 020-123 4567", "PHONE", "020-123 4567"},
      {"Mobile: 98765-43210", "PHONE", "98765-43210"},
      {"Tel.: 089/1234567", "PHONE", "089/1234567"},
      {"Tel: 0151 23456789", "PHONE", "0151 23456789"},
      {"Telefon: 8 (912) 345-67-89", "PHONE", "8 (912) 345-67-89"},
      {"phone: 0612345678", "PHONE", "0612345678"},
      {"Mobile: 07700900123", "PHONE", "07700900123"},
      {"Tel.+49 30 1234567", "PHONE", "+49 30 1234567"},
      {"Móvil: 602 306 767 — merci", "PHONE", "602 306 767"},
      {"Contacto: 089/2478444 (mornings only).", "PHONE", "089/2478444"},
      {"mobile number 0636448865", "PHONE", "0636448865"},
      {"电话：13706919116", "PHONE", "13706919116"},
      {"Phone: (415) 555-0132 / (415) 555-0199", "PHONE", "(415) 555-0199"},
      {"San Francisco, CA 94105 415 555 0132", "PHONE", "415 555 0132"},
      {"Room 12 212 555 0147 (front desk)", "PHONE", "212 555 0147"},
      {"Phone: (415) 555-0132 / (415) 555-0199", "PHONE", "(415) 555-0132"},
      {"Tel: +31 20 929 9839 / 020-276 8873", "PHONE", "+31 20 929 9839"},
      {"Tel: +31 20 929 9839 / 020-276 8873", "PHONE", "020-276 8873"},
      /* traps */
      {"on 2024-01-15 at 12:30:45", NULL, NULL},
      {"epoch 1700000000 and 1700000000123", NULL, NULL},
      {"ticket SO-123-456789 and JIRA-4155552671", NULL, NULL},
      {"ISBN 978-3-16-148410-0 and 0-306-40615-2", NULL, NULL},
      {"ZIP 94103-1234", NULL, NULL},
      {"version 10.15.7 ip 192.168.100.200", NULL, NULL},
      {"pages 1000-2000, range 100 - 200", NULL, NULL},
      {"ssn 536-22-8726 iban DE89 3704 0044 0532 0130 00", NULL, NULL},
      {"Tracking: UPS 1Z 999 AA1 01 2345 6784", NULL, NULL},
      {"hash 415 555 0198 7654 and 415-555-0198-7654", NULL, NULL},
      {"arch 415-555-0132x86_64 and 415-555-0132x1234567", NULL, NULL},
      {"ids 0012 3456 7890 and 00 1234 5678", NULL, NULL},
      {"(500202224", NULL, NULL}, /* a bracket's group at the very end (read past it once) */
      {"Tel: 2024-01-15 and phone 1.2.3.4 and call at 12:30", NULL, NULL},
      {"phone count: 12 345 678 units", NULL, NULL},
      {"phone 123-456-7890", NULL, NULL},
      {"order number 0636448865 and serial no 12345678", NULL, NULL},
      {"Contact ID: 5366089949, Call ID 9309533213, Callback scheduled, ref 5678870211", NULL,
       NULL},
      {"deal_id,contact,contact_phone\n8793439138,\"Jane Roe\"", NULL, NULL},
      {"TRACKING #: 9400 1964 7122 0080 0837 62", NULL, NULL},
      {"Masked: [PHONE]\nAccount no. 3497342991", NULL, NULL},
      {"serial 4155552671", NULL, NULL},
      {"call 911 or 411", NULL, NULL},
  };
  PII_CHECK(c, LR_PII_BIT(LR_PII_PHONE));
}

Test(scan, ip) {
  static const pii_case c[] = {
      {"client 192.168.1.20 connected", "IP_ADDRESS", "192.168.1.20"},
      {"host=10.0.0.1:8080", "IP_ADDRESS", "10.0.0.1"},
      {"Server ips: 10.1.2.3, 10.1.2.4", "IP_ADDRESS", "10.1.2.3"},
      {"cidr 172.16.0.0/12", "IP_ADDRESS", "172.16.0.0"},
      {"v6 2001:db8:85a3::8a2e:370:7334 ok", "IP_ADDRESS", "2001:db8:85a3::8a2e:370:7334"},
      {"[fe80::1]:80", "IP_ADDRESS", "fe80::1"},
      {"::1", "IP_ADDRESS", "::1"},
      {"2001:0db8:0000:0000:0000:ff00:0042:8329", "IP_ADDRESS",
       "2001:0db8:0000:0000:0000:ff00:0042:8329"},
      {"::ffff:192.0.2.128", "IP_ADDRESS", "::ffff:192.0.2.128"},
      {"Connection to db.internal (10.0.4.21) port 5432 refused", "IP_ADDRESS", "10.0.4.21"},
      {"PING google.com (142.250.74.46) 56(84) bytes of data.", "IP_ADDRESS", "142.250.74.46"},
      {"connect to (2001:db8::1) failed", "IP_ADDRESS", "2001:db8::1"},
      {"Listening on 0.0.0.0:8080", "IP_ADDRESS", "0.0.0.0"},
      {"Build node 34.31.224.66 went offline", "IP_ADDRESS", "34.31.224.66"},
      {"$ ssh release@52.75.125.87", "IP_ADDRESS", "52.75.125.87"},
      {"curl http://[::1]:8080/health", "IP_ADDRESS", "::1"},
      /* traps */
      {"Chrome/122.0.6261.94 Safari", NULL, NULL},
      {"oid 1.3.6.1.4.1.311 and 1.2.3.4.5", NULL, NULL},
      {"AssemblyVersion 4.2.1.0 [assembly: AssemblyVersion(\"1.0.0.0\")]", NULL, NULL},
      {"<bindingRedirect oldVersion=\"0.0.0.0-4.0.0.0\" newVersion=\"4.0.0.0\" />", NULL, NULL},
      {"See RFC 5737 and OID 2.5.4.3. <Attribute Name=\"urn:oid:2.5.4.42\"/>", NULL, NULL},
      {"bad 256.1.1.1 and 1.2.3", NULL, NULL},
      {"v1.2.3.4", NULL, NULL},
      {"firmware version 2.0.0.1 and 1.2.3.4.5.6", NULL, NULL},
      {"evens = xs[::2]; odds = xs[1::2]; rev = s[::-1]; m[2::3]", NULL, NULL},
      {"time 12:30:45 mac 00:1a:2b:3c:4d:5e std::vector Abc::Def", NULL, NULL},
  };
  PII_CHECK(c, LR_PII_BIT(LR_PII_IP_ADDRESS));
}

Test(scan, overlap_specificity) {
  /* a prefixed token inside a secret assignment wins over GENERIC_SECRET */
  static const pii_case c[] = {
      {"token=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", "GITHUB_TOKEN",
       "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"},
      {"password=alice.smith@example.com", "EMAIL", "alice.smith@example.com"},
      {"api_key: sk_live_Xlx8RtCqtD1GDIWFmbKGYQr8", "STRIPE_KEY",
       "sk_live_Xlx8RtCqtD1GDIWFmbKGYQr8"},
  };
  PII_CHECK(c, 0);
  lr_pii_spans sp = {0};
  const char *t = "token=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";
  lr_pii_scan_text(t, strlen(t), LR_PII_ALL, &sp);
  cr_expect_eq(sp.n, 1);
  cr_expect_eq(sp.found, LR_PII_BIT(LR_PII_GITHUB_TOKEN));
  lr_pii_spans_free(&sp);
}

Test(scan, types) {
  lr_pii_type t;
  for (int i = 0; i < LR_PII__COUNT; i++) {
    cr_assert(lr_pii_type_parse(lr_str_c(lr_pii_type_name((lr_pii_type)i)), &t));
    cr_expect_eq((int)t, i);
  }
  cr_expect(!lr_pii_type_parse(LR_STR("EMAILS"), &t));
  cr_expect(lr_pii_type_is_secret(LR_PII_JWT));
  cr_expect(!lr_pii_type_is_secret(LR_PII_EMAIL));
  cr_expect(!(LR_PII_DEFAULT & LR_PII_BIT(LR_PII_IP_ADDRESS)));
}

Test(scan, binary_and_empty) {
  lr_pii_spans sp = {0};
  lr_pii_scan_text("", 0, LR_PII_ALL, &sp);
  cr_expect_eq(sp.n, 0);
  char bin[4096];
  for (size_t i = 0; i < sizeof bin; i++) bin[i] = (char)(i * 131 + 7);
  lr_pii_scan_text(bin, sizeof bin, LR_PII_ALL, &sp);
  for (size_t i = 0; i < sp.n; i++) cr_expect(sp.items[i].end <= sizeof bin);
  /* a value at the very end, no terminator */
  const char *t = "mail a.b@example.org";
  lr_pii_scan_text(t, strlen(t), LR_PII_ALL, &sp);
  cr_expect_eq(sp.n, 1);
  lr_pii_spans_free(&sp);
}
