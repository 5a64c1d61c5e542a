#!/usr/bin/env python3
"""gen_eval_hand.py — writes eval_hand.jsonl: hand-written agent traffic with
«TYPE|value» marks turned into byte-offset labels (see eval_pii.c).

    python3 bench/scan/gen_eval_hand.py > bench/scan/eval_hand.jsonl
"""
import json,re,sys
# «TYPE|value» marks a labelled value
recs = r'''
{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"send_email","arguments":{"to":"«EMAIL|maria.garcia@globex.com»","cc":["«EMAIL|ops-team@globex.com»"],"subject":"Invoice INV-2024-00123","body":"Hi Maria,\n\nPlease find attached invoice INV-2024-00123 for order #100045678. Call me at «PHONE|(212) 555-0147» if anything is unclear.\n\nThanks,\nTom"}}}
{"jsonrpc":"2.0","id":7,"result":{"content":[{"type":"text","text":"Found 2 customers:\n1. Jane Roe, «EMAIL|jane.roe@example.org», phone «PHONE|+1 415 555 2671», card on file ending 4242\n2. Li Wei, «EMAIL|li.wei@corp.cn», phone «PHONE|+86 138 0013 8000»"}],"isError":false}}
{"role":"tool","tool_call_id":"call_abc123","content":"{\"status\":\"ok\",\"user\":{\"id\":\"usr_8f3k2\",\"email\":\"«EMAIL|k.tanaka@example.jp»\",\"ssn\":\"«US_SSN|536-22-8726»\",\"dob\":\"1984-07-12\"}}"}
2024-06-01T08:15:22.341Z ERROR payment-svc[2291]: charge failed for card «CREDIT_CARD|5105 1051 0510 5100» (customer cus_N2x8kQ) amount=129.99 currency=USD trace=4bf92f3577b34da6a3ce929d0e0e4736
2024-06-01T08:15:23.002Z DEBUG auth: login ok user=bob@internal src=«IP_ADDRESS|203.0.113.42» ua="Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/124.0.6367.91"
# production.env
DATABASE_URL=postgres://app_user:«GENERIC_SECRET|Vq7!kP2zLm9X»@db.prod.internal:5432/app
REDIS_URL=redis://cache.prod.internal:6379/0
STRIPE_SECRET_KEY=«STRIPE_KEY|sk_live_51Hc3kLJx8yQ2mNpR7tVwZaB9dE»
STRIPE_PUBLISHABLE_KEY=pk_live_51Hc3kLJx8yQ2mNpR7tVwZaB9dE
SENTRY_DSN=https://3f2a9c1d7e5b4a6c@o450123.ingest.sentry.io/5512345
LOG_LEVEL=info
apiVersion: v1
kind: Secret
metadata:
  name: db-credentials
type: Opaque
stringData:
  username: admin
  password: «GENERIC_SECRET|hZ8#rT4!wQ1m»
  host: «IP_ADDRESS|10.0.12.7»
$ curl -X POST https://api.openai.com/v1/chat/completions -H "Authorization: Bearer «OPENAI_KEY|sk-proj-AbC123dEf456GhI789jKlT3BlbkFJmNoPqRsTuVwXyZ012345»" -H "Content-Type: application/json" -d '{"model":"gpt-4o","max_tokens":512}'
import anthropic
client = anthropic.Anthropic(api_key="«ANTHROPIC_KEY|sk-ant-api03-Zx9yW8vU7tS6rQ5pO4nM3lK2jI1hG0fE9dC8bA7zY6xW5vU4tS3rQ2pO1nM0lK9jI8hG7fE6dC5bA4zY3xW2vU1tS0rQ9pO8nM7lKAA»")
# TODO: move to vault
Subject: Refund request #48213
From: Peter Novak <«EMAIL|p.novak@mailbox.cz»>

Hello, I was charged twice. My card number is «CREDIT_CARD|4000 0566 5566 5556» and my IBAN is «IBAN|CZ65 0800 0000 1920 0014 5399» for the refund. You can reach me on «PHONE|+420 601 234 567». Order reference: SO-2024-118822.
Thanks!
{"tool":"github.create_issue","args":{"repo":"acme/api","title":"Leaked token in CI logs","body":"The job printed GITHUB_TOKEN=«GITHUB_TOKEN|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» — please rotate. Commit 9fceb02d0ae598e95dc970b74767f19372d61af8, build 2024.06.01.3"}}
version: 2.1\njobs:\n  deploy:\n    environment:\n      AWS_ACCESS_KEY_ID: «AWS_ACCESS_KEY|AKIAZ4QJ7XKW2LPMN3RT»\n      AWS_SECRET_ACCESS_KEY: «AWS_SECRET_KEY|h7Xk2Lm9Qp4Rt6Vw8Yz1Ab3Cd5Ef7Gh9Ij0Kl2Mn»\n      AWS_REGION: us-east-1
The docs example uses AKIAIOSFODNN7EXAMPLE with wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY; never commit real ones. Use ${AWS_SECRET_ACCESS_KEY} or {{ .Values.secret }}.
Our office: Friedrichstraße 12, 10117 Berlin. Tel. «PHONE|+49 30 1234567». USt-IdNr DE123456789. Bank: «IBAN|DE89 3704 0044 0532 0130 00».
id,name,email,phone,ssn\n1,Ann Lee,«EMAIL|ann.lee@example.com»,«PHONE|555-867-5309»,«US_SSN|219-09-9998»\n2,Bo Chen,«EMAIL|bo.chen@example.com»,«PHONE|555-222-3344»,«US_SSN|536-22-8726»
Deploying lodash@4.17.21 and @types/node@20.11.5; assets icon@2x.png, logo@3x.webp. Contact «EMAIL|webmaster@acme.io».
ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGq3mZ2x8yQp7Lk4vW9tR1sN6hJ5bF0cD3eA2gH8iK7m ci@runner-12
{"headers":{"authorization":"Basic «GENERIC_SECRET|YWRtaW46UzNjcmV0UGFzc3cwcmQ=»","x-request-id":"b7e2c1d4-9a3f-4e8b-8c2d-1f0a9b8c7d6e"}}
{"messages":[{"role":"user","content":"my email is «EMAIL|sam.k@proton.me» and my number is «PHONE|07700 900123»"}],"max_tokens":1024,"temperature":0.2}
Got JWT «JWT|eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6ImFiYzEyMyJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c» from the IdP; it expires at 1716249600.
slack: posting to «SLACK_TOKEN|https://hooks.slack.com/services/T024BE7LD/B07ABCD1234/vW9xYz0aBcDeFgHiJkLmNoPq» with bot token «SLACK_TOKEN|xoxb-2048123456789-5012345678901-AbCdEfGhIjKlMnOpQrStUvWx»
Masked already: [EMAIL], ****4242, ***-**-6789, [GENERIC_SECRET], password=********, token: <redacted>
Server ips: «IP_ADDRESS|10.1.2.3», «IP_ADDRESS|2001:db8:85a3::8a2e:370:7334»; OID 1.2.840.113549.1.1.11; python 3.11.4; Chrome/122.0.6261.94
'''.strip().split('\n')
# lines starting with # are part of previous? keep all as separate records except join helper: treat groups
out=[]
buf=[]
for line in recs:
    out.append(line)
def conv(t):
    spans=[];text='';
    pos=0
    for m in re.finditer(r'«([A-Z_]+)\|(.*?)»',t):
        pre=t[pos:m.start()]
        text+=pre
        s=len(text.encode())
        text+=m.group(2)
        spans.append({'start':s,'end':len(text.encode()),'type':m.group(1)})
        pos=m.end()
    text+=t[pos:]
    return text,spans
for l in out:
    l=l.replace('\\n','\n') if not l.startswith('{') else l
    t,s=conv(l)
    print(json.dumps({'text':t,'spans':s},ensure_ascii=False))
