#!/usr/bin/env python3
"""probe3: LONG realistic documents (source files, logs, API data, threads) with a few
valid values planted; precision-oriented. Written from PII.md only.
Fixed seed; writes JSONL to stdout. Docs are lists of segments: str or (TYPE, value)."""
import json, random, string, zlib, base64, re, hashlib

R = random.Random(31337)
ALNUM = string.ascii_letters + string.digits
B62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
B64 = ALNUM + "+/"
B64U = ALNUM + "-_"
HEX = "0123456789abcdef"
UP = string.ascii_uppercase
LOW = string.ascii_lowercase
def rs(n, a=ALNUM): return "".join(R.choice(a) for _ in range(n))
def d(n): return "".join(R.choice(string.digits) for _ in range(n))
def nz(n): return R.choice("23456789") + d(n - 1)
def uuid(): return "%s-%s-4%s-%s%s-%s" % (rs(8, HEX), rs(4, HEX), rs(3, HEX), R.choice("89ab"), rs(3, HEX), rs(12, HEX))
def sha(n=40): return rs(n, HEX)
def b64u(b): return base64.urlsafe_b64encode(b).rstrip(b"=").decode()

def esc(s):
    return json.dumps(s, ensure_ascii=False)[1:-1]
def J(doc):
    return [(s[0], esc(s[1])) if isinstance(s, tuple) else esc(s) for s in doc]

RECS = []
def add(doc, tag):
    text, spans, pos = "", [], 0
    for s in doc:
        if isinstance(s, tuple):
            b = len(s[1].encode()); spans.append({"start": pos, "end": pos + b, "type": s[0]}); text += s[1]; pos += b
        else:
            text += s; pos += len(s.encode())
    RECS.append({"text": text, "spans": spans, "tag": tag})

def mcp_wrap(doc):
    """MCP tools/call result: the document is one JSON string (escaped once)."""
    return ['{"jsonrpc":"2.0","id":%d,"result":{"content":[{"type":"text","text":"' % R.randint(1, 999)] + J(doc) + ['"}],"isError":false}}']
def maybe_wrap(doc, p=0.35):
    return mcp_wrap(doc) if R.random() < p else doc

# ------------------------------------------------------------------ valid values
def luhn_ok(s):
    t = 0
    for i, c in enumerate(reversed(s)):
        x = int(c)
        if i % 2:
            x *= 2
            if x > 9: x -= 9
        t += x
    return t % 10 == 0
def luhn(prefix, n):
    while True:
        body = prefix + d(n - len(prefix) - 1)
        for c in string.digits:
            if luhn_ok(body + c) and len(set(body + c)) > 2: return body + c
def card():
    k = R.choice([("4", 16, [4, 4, 4, 4]), ("51", 16, [4, 4, 4, 4]), ("55", 16, [4, 4, 4, 4]), ("2221", 16, [4, 4, 4, 4]),
                  ("37", 15, [4, 6, 5]), ("6011", 16, [4, 4, 4, 4]), ("3528", 16, [4, 4, 4, 4])])
    v = luhn(k[0], k[1]); sep = R.choice(["", " ", "-"])
    if not sep: return v
    out, i = [], 0
    for n in k[2]: out.append(v[i:i + n]); i += n
    return sep.join(out)
IBANF = {"DE": "18n", "GB": "4a14n", "FR": "10n11c2n", "NL": "4a10n", "ES": "20n", "IT": "1a10n12c", "BE": "12n", "CH": "5n12c", "AT": "16n", "PL": "24n"}
CLS = {"n": string.digits, "a": UP, "c": string.digits + UP}
def iban(cc=None, bad=False):
    cc = cc or R.choice(list(IBANF))
    bban = "".join("".join(R.choice(CLS[c]) for _ in range(int(n))) for n, c in re.findall(r"(\d+)([nac])", IBANF[cc]))
    num = "".join(str(int(c, 36)) for c in bban + cc + "00")
    ck = 98 - int(num) % 97
    if bad: ck = ck + 1 if ck < 97 else 2
    return cc + "%02d" % ck + bban
def g4(s): return " ".join(s[i:i + 4] for i in range(0, len(s), 4))
def ssn():
    while True:
        a = R.randint(100, 899)
        if a != 666: break
    return "%03d-%02d-%04d" % (a, R.randint(1, 99), R.randint(1, 9999))
def b62(n):
    s = ""
    while n: n, r = divmod(n, 62); s = B62[r] + s
    return s.rjust(6, "0")
def ghp(p="ghp_"):
    body = rs(30, B62); return p + body + b62(zlib.crc32(body.encode()) & 0xffffffff)
def openai_proj(): return "sk-proj-" + rs(74, B64U) + "T3BlbkFJ" + rs(74, B64U)
def anthropic(): return "sk-ant-api03-" + rs(93, B64U) + "AA"
def google(): return "AIza" + rs(35, B64U)
def stripe(p="sk_live_"): return p + "51" + rs(12) + rs(85)
def slack_bot(): return "xoxb-%d-%d-%s" % (R.randint(10**10, 10**12), R.randint(10**12, 10**13), rs(24))
def gitlab(): return "glpat-" + rs(20, B64U)
def npm(): return "npm_" + rs(36)
def hf(): return "hf_" + rs(34, string.ascii_letters)
def sendgrid(): return "SG." + rs(22, B64U) + "." + rs(43, B64U)
def akid(p="AKIA"): return p + rs(16, UP + "234567")
def awssec(): return rs(40, ALNUM + "/+")
def jwt():
    h = {"alg": R.choice(["RS256", "HS256"]), "typ": "JWT"}
    p = {"sub": rs(12), "iss": "https://auth.acme.io/", "iat": 1718000000 + R.randint(0, 99999), "exp": 1718090000}
    return b64u(json.dumps(h, separators=(",", ":")).encode()) + "." + b64u(json.dumps(p, separators=(",", ":")).encode()) + "." + rs(43, B64U)
def pw(n=None):
    n = n or R.randint(14, 24)
    while True:
        s = rs(n, ALNUM + "!#^*-_.~")
        if any(c.isdigit() for c in s) and any(c.isupper() for c in s) and any(c.islower() for c in s) and s[0].isalnum() and s[-1].isalnum(): return s
def pwu(n=None):
    while True:
        s = rs(n or R.randint(16, 28), ALNUM)
        if any(c.isdigit() for c in s) and any(c.isupper() for c in s): return s
def keyblock(kind="RSA PRIVATE KEY"):
    rows = [rs(64, B64) for _ in range(R.randint(6, 12))] + [rs(R.randint(8, 40), B64) + "=="]
    return "\n".join(["-----BEGIN %s-----" % kind] + rows + ["-----END %s-----" % kind])
def pubblock(kind="CERTIFICATE", n=None):
    rows = [rs(64, B64) for _ in range(n or R.randint(8, 16))] + [rs(R.randint(8, 40), B64) + "="]
    return "\n".join(["-----BEGIN %s-----" % kind] + rows + ["-----END %s-----" % kind])

PREF = [("GITHUB_TOKEN", ghp), ("OPENAI_KEY", openai_proj), ("ANTHROPIC_KEY", anthropic), ("GOOGLE_API_KEY", google),
        ("STRIPE_KEY", stripe), ("SLACK_TOKEN", slack_bot), ("GITLAB_TOKEN", gitlab), ("NPM_TOKEN", npm),
        ("HUGGINGFACE_TOKEN", hf), ("SENDGRID_KEY", sendgrid), ("AWS_ACCESS_KEY", akid)]
def pref(): t, f = R.choice(PREF); return t, f()

FIRST = ["Anna", "Ben", "Chiara", "Dmitri", "Elif", "Farah", "Gustavo", "Hana", "Ivan", "Jonas", "Keiko", "Luis", "Mei", "Nadia", "Omar", "Priya", "Quentin", "Rosa", "Sven", "Tariq"]
LAST = ["Schmidt", "Okafor", "Rossi", "Petrov", "Yilmaz", "Haddad", "Pereira", "Sato", "Novak", "Berg", "Tanaka", "Garcia", "Chen", "Kowalski", "Nasser", "Iyer", "Martin", "Lopez", "Lund", "Aziz"]
DOMS = ["acme-corp.com", "northwind.io", "example-shop.de", "globex.co.uk", "initech.net", "umbrella-labs.org", "contoso.fr", "hooli.dev"]
def name(): return R.choice(FIRST) + " " + R.choice(LAST)
def email(n=None):
    n = n or name(); f, l = n.lower().split()
    return R.choice(["%s.%s", "%s%s", "%s_%s"]) % (f, l) + "@" + R.choice(DOMS)
def phone():
    return R.choice([lambda: "+1 (%s) %s-%s" % (R.choice(["415", "212", "617", "312", "206"]), nz(3), d(4)),
                     lambda: "+44 20 7946 %s" % d(4), lambda: "+49 30 %s" % nz(8), lambda: "+33 6 %s %s %s %s" % (d(2), d(2), d(2), d(2)),
                     lambda: "(%s) %s-%s" % (R.choice(["415", "646", "303", "512"]), nz(3), d(4)), lambda: "+61 412 %s %s" % (d(3), d(3))])()
def ipv4(): return "%d.%d.%d.%d" % (R.choice([23, 34, 52, 66, 81, 94, 104, 151, 185, 203]), R.randint(0, 255), R.randint(0, 255), R.randint(1, 254))
def ipv4p(): return R.choice(["10.%d.%d.%d" % (R.randint(0, 255), R.randint(0, 255), R.randint(1, 254)), "172.%d.%d.%d" % (R.randint(16, 31), R.randint(0, 255), R.randint(1, 254)), "192.168.%d.%d" % (R.randint(0, 255), R.randint(1, 254))])
def ts(): return "2024-%02d-%02dT%02d:%02d:%02d.%03dZ" % (R.randint(1, 12), R.randint(1, 28), R.randint(0, 23), R.randint(0, 59), R.randint(0, 59), R.randint(0, 999))
def IP(v=None): return ("IP_ADDRESS", v or ipv4())
def L(t, v): return (t, v)

# ------------------------------------------------------------------ realistic benign fillers
def django_settings():
    plant = R.random() < 0.4
    doc = ['"""\nDjango settings for %s project.\n\nGenerated by \'django-admin startproject\' using Django 4.2.11.\n\nFor more information on this file, see\nhttps://docs.djangoproject.com/en/4.2/topics/settings/\n"""\nimport os\nfrom pathlib import Path\n\nimport environ\n\nenv = environ.Env(DEBUG=(bool, False))\nBASE_DIR = Path(__file__).resolve().parent.parent\nenviron.Env.read_env(os.path.join(BASE_DIR, ".env"))\n\n# SECURITY WARNING: keep the secret key used in production secret!\n' % R.choice(["shop", "portal", "billing", "crm"])]
    if plant:
        doc += ["SECRET_KEY = '", L("GENERIC_SECRET", "django-insecure-" + rs(50, LOW + string.digits + "!@#%^&*(-_=+)")), "'\n"]
    else:
        doc += ["SECRET_KEY = env('DJANGO_SECRET_KEY')\n"]
    doc += ["""
# SECURITY WARNING: don't run with debug turned on in production!
DEBUG = env('DEBUG')
ALLOWED_HOSTS = env.list('ALLOWED_HOSTS', default=['localhost', '""", IP("127.0.0.1"), """'])

INSTALLED_APPS = [
    'django.contrib.admin',
    'django.contrib.auth',
    'django.contrib.contenttypes',
    'django.contrib.sessions',
    'django.contrib.messages',
    'django.contrib.staticfiles',
    'rest_framework',
    'rest_framework.authtoken',
    'rest_framework_simplejwt.token_blacklist',
    'accounts',
    'orders',
]

DATABASES = {
    'default': {
        'ENGINE': 'django.db.backends.postgresql',
        'NAME': env('POSTGRES_DB', default='app'),
        'USER': env('POSTGRES_USER', default='app'),
        'PASSWORD': env('POSTGRES_PASSWORD'),
        'HOST': env('POSTGRES_HOST', default='db'),
        'PORT': env.int('POSTGRES_PORT', default=5432),
        'CONN_MAX_AGE': 600,
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {'NAME': 'django.contrib.auth.password_validation.UserAttributeSimilarityValidator'},
    {'NAME': 'django.contrib.auth.password_validation.MinimumLengthValidator', 'OPTIONS': {'min_length': 12}},
    {'NAME': 'django.contrib.auth.password_validation.CommonPasswordValidator'},
    {'NAME': 'django.contrib.auth.password_validation.NumericPasswordValidator'},
]

PASSWORD_HASHERS = [
    'django.contrib.auth.hashers.Argon2PasswordHasher',
    'django.contrib.auth.hashers.PBKDF2PasswordHasher',
    'django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher',
    'django.contrib.auth.hashers.BCryptSHA256PasswordHasher',
]
PASSWORD_RESET_TIMEOUT = 259200  # 3 days, in seconds

REST_FRAMEWORK = {
    'DEFAULT_AUTHENTICATION_CLASSES': (
        'rest_framework_simplejwt.authentication.JWTAuthentication',
        'rest_framework.authentication.TokenAuthentication',
    ),
    'DEFAULT_THROTTLE_RATES': {'anon': '100/day', 'user': '1000/day'},
}

SIMPLE_JWT = {
    'ACCESS_TOKEN_LIFETIME': timedelta(minutes=15),
    'REFRESH_TOKEN_LIFETIME': timedelta(days=7),
    'ROTATE_REFRESH_TOKENS': True,
    'BLACKLIST_AFTER_ROTATION': True,
    'ALGORITHM': 'HS256',
    'SIGNING_KEY': SECRET_KEY,
    'AUTH_HEADER_TYPES': ('Bearer',),
    'USER_ID_FIELD': 'id',
    'TOKEN_TYPE_CLAIM': 'token_type',
}

CSRF_COOKIE_SECURE = True
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_AGE = 1209600
SECURE_HSTS_SECONDS = 31536000

EMAIL_BACKEND = 'django.core.mail.backends.smtp.EmailBackend'
EMAIL_HOST = env('EMAIL_HOST', default='smtp.sendgrid.net')
EMAIL_PORT = 587
EMAIL_HOST_USER = 'apikey'
"""]
    if plant and R.random() < 0.5:
        t, v = ("SENDGRID_KEY", sendgrid())
        doc += ["EMAIL_HOST_PASSWORD = '", L(t, v), "'\n"]
    else:
        doc += ["EMAIL_HOST_PASSWORD = env('SENDGRID_API_KEY')\n"]
    doc += ["""EMAIL_USE_TLS = True
DEFAULT_FROM_EMAIL = 'no-reply@""" + R.choice(DOMS) + """'
"""]
    # the default from address is an email -> label
    s = doc[-1]; i = s.index("no-reply@"); j = s.index("'", i)
    doc[-1:] = [s[:i], L("EMAIL", s[i:j]), s[j:]]
    doc += ["""
LANGUAGE_CODE = 'en-us'
TIME_ZONE = 'UTC'
USE_I18N = True
STATIC_URL = '/static/'
MEDIA_ROOT = BASE_DIR / 'media'

CACHES = {
    'default': {
        'BACKEND': 'django_redis.cache.RedisCache',
        'LOCATION': env('REDIS_URL', default='redis://redis:6379/1'),
        'OPTIONS': {'CLIENT_CLASS': 'django_redis.client.DefaultClient', 'PASSWORD': env('REDIS_PASSWORD', default=None)},
    }
}

LOGGING = {
    'version': 1,
    'disable_existing_loggers': False,
    'formatters': {'json': {'()': 'pythonjsonlogger.jsonlogger.JsonFormatter', 'fmt': '%(asctime)s %(levelname)s %(name)s %(message)s'}},
    'handlers': {'console': {'class': 'logging.StreamHandler', 'formatter': 'json'}},
    'root': {'handlers': ['console'], 'level': 'INFO'},
}
"""]
    return doc

def py_views():
    doc = ['''from django.contrib.auth import authenticate, login, update_session_auth_hash
from django.contrib.auth.tokens import default_token_generator
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext_lazy as _
from rest_framework import status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.response import Response
from rest_framework_simplejwt.tokens import RefreshToken

from .models import ApiToken, User
from .serializers import PasswordChangeSerializer


class PasswordResetForm(forms.Form):
    new_password1 = forms.CharField(label=_("New password"), widget=forms.PasswordInput, strip=False)
    new_password2 = forms.CharField(label=_("Confirm password"), widget=forms.PasswordInput, strip=False)
    error_messages = {
        "password_mismatch": _("The two password fields didn\u2019t match."),
        "password_too_short": _("Your password must contain at least 12 characters."),
        "invalid_token": _("The password reset link was invalid, possibly because it has already been used."),
    }

    def clean_new_password2(self):
        password1 = self.cleaned_data.get("new_password1")
        password2 = self.cleaned_data.get("new_password2")
        if password1 and password2 and password1 != password2:
            raise ValidationError(self.error_messages["password_mismatch"], code="password_mismatch")
        password_validation.validate_password(password2, self.user)
        return password2


@api_view(["POST"])
def login_view(request):
    username = request.data.get("username")
    password = request.data.get("password")
    if not username or not password:
        return Response({"detail": _("Enter your username and password.")}, status=status.HTTP_400_BAD_REQUEST)
    user = authenticate(request, username=username, password=password)
    if user is None:
        logger.warning("login failed for %s", username)
        return Response({"detail": _("Invalid credentials")}, status=status.HTTP_401_UNAUTHORIZED)
    refresh = RefreshToken.for_user(user)
    return Response({"refresh": str(refresh), "access": str(refresh.access_token), "token_type": "Bearer", "expires_in": 900})


@api_view(["POST"])
def reset_confirm(request, uidb64: str, token: str):
    """Confirm a password reset.

    :param uidb64: the user id, base64-encoded
    :param token: the one-time token produced by ``default_token_generator.make_token(user)``
    :returns: 204 on success
    """
    uid = urlsafe_base64_decode(uidb64).decode()
    user = User.objects.filter(pk=uid).first()
    if user is None or not default_token_generator.check_token(user, token):
        return Response({"detail": _("Invalid or expired token.")}, status=400)
    serializer = PasswordChangeSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    user.set_password(serializer.validated_data["new_password"])
    user.save(update_fields=["password"])
    return Response(status=204)


def create_api_token(user, name: str, scopes: list[str]) -> tuple[ApiToken, str]:
    raw_token = secrets.token_urlsafe(32)
    token_hash = hashlib.sha256(raw_token.encode()).hexdigest()
    api_token = ApiToken.objects.create(user=user, name=name, token_hash=token_hash, prefix=raw_token[:8], scopes=scopes)
    return api_token, raw_token


def verify_webhook(payload: bytes, signature: str, secret: str) -> bool:
    expected = hmac.new(secret.encode(), payload, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)


class TokenAuthMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        auth = request.headers.get("Authorization", "")
        if auth.startswith("Bearer "):
            token = auth.split(" ", 1)[1]
            request.api_token = ApiToken.objects.filter(token_hash=hashlib.sha256(token.encode()).hexdigest()).first()
        return self.get_response(request)
''']
    # tests with fixtures
    doc += ['''

# ---- tests/test_auth.py
import pytest

@pytest.fixture
def user(db):
    return User.objects.create_user(username="alice", email="''', L("EMAIL", "alice@example.com"), '''", password="testpass123")

def test_login_ok(client, user):
    r = client.post("/api/login/", {"username": "alice", "password": "testpass123"})
    assert r.status_code == 200
    assert r.json()["token_type"] == "Bearer"

def test_login_bad_password(client, user):
    r = client.post("/api/login/", {"username": "alice", "password": "wrong-password"})
    assert r.status_code == 401

def test_webhook_signature():
    secret = "whsec_test"
    body = b'{"id": 1}'
    sig = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    assert verify_webhook(body, sig, secret)

def test_token_header(client, user):
    _, raw = create_api_token(user, "ci", ["read"])
    r = client.get("/api/me/", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert r.status_code == 200
''']
    return doc

def express():
    plant = R.random() < 0.35
    doc = ["""'use strict';
const express = require('express');
const jwt = require('jsonwebtoken');
const bcrypt = require('bcrypt');
const rateLimit = require('express-rate-limit');
const { body, validationResult } = require('express-validator');
const db = require('./db');
const logger = require('./logger');

const app = express();
app.use(express.json({ limit: '1mb' }));

const JWT_SECRET = process.env.JWT_SECRET;
const TOKEN_TTL = '15m';
const SALT_ROUNDS = 12;
if (!JWT_SECRET) {
  throw new Error('JWT_SECRET must be set');
}

const loginLimiter = rateLimit({ windowMs: 15 * 60 * 1000, max: 20, message: 'Too many login attempts, please try again later.' });

function authenticate(req, res, next) {
  const header = req.headers.authorization || '';
  const [scheme, token] = header.split(' ');
  if (scheme !== 'Bearer' || !token) {
    return res.status(401).json({ error: 'missing_token', message: 'Authorization header must be: Bearer <token>' });
  }
  try {
    req.user = jwt.verify(token, JWT_SECRET, { algorithms: ['HS256'] });
    return next();
  } catch (err) {
    logger.warn({ err: err.message }, 'invalid token');
    return res.status(401).json({ error: 'invalid_token' });
  }
}

app.post('/api/register',
  body('email').isEmail().normalizeEmail(),
  body('password').isLength({ min: 12 }).withMessage('Password must be at least 12 characters'),
  async (req, res) => {
    const errors = validationResult(req);
    if (!errors.isEmpty()) return res.status(422).json({ errors: errors.array() });
    const { email, password, confirmPassword } = req.body;
    if (password !== confirmPassword) {
      return res.status(422).json({ error: 'Passwords do not match' });
    }
    const passwordHash = await bcrypt.hash(password, SALT_ROUNDS);
    const user = await db.users.insert({ email, password_hash: passwordHash });
    res.status(201).json({ id: user.id, email: user.email });
  });

app.post('/api/login', loginLimiter, async (req, res) => {
  const { email, password } = req.body;
  const user = await db.users.findByEmail(email);
  const ok = user && await bcrypt.compare(password, user.password_hash);
  if (!ok) return res.status(401).json({ error: 'Invalid email or password' });
  const accessToken = jwt.sign({ sub: user.id, role: user.role }, JWT_SECRET, { expiresIn: TOKEN_TTL });
  const refreshToken = crypto.randomBytes(48).toString('base64url');
  await db.refreshTokens.insert({ user_id: user.id, token_hash: sha256(refreshToken), expires_at: addDays(new Date(), 30) });
  res.json({ access_token: accessToken, refresh_token: refreshToken, token_type: 'Bearer', expires_in: 900 });
});

app.get('/api/me', authenticate, async (req, res) => {
  const user = await db.users.findById(req.user.sub);
  res.json({ id: user.id, email: user.email, createdAt: user.created_at });
});

const passport = require('passport');
const GoogleStrategy = require('passport-google-oauth20').Strategy;
passport.use(new GoogleStrategy({
    clientID: process.env.GOOGLE_CLIENT_ID,
    clientSecret: process.env.GOOGLE_CLIENT_SECRET,
    callbackURL: 'https://app.example.com/auth/google/callback',
  }, (accessToken, refreshToken, profile, done) => done(null, profile)));
"""]
    if plant:
        t, v = pref()
        doc += ["\n// TODO(remove before merge): temporary key for local testing\nconst stripeClient = require('stripe')('", L(t, v), "');\n"]
    doc += ["""
app.use((err, req, res, next) => {
  logger.error({ err, path: req.path }, 'unhandled error');
  res.status(500).json({ error: 'internal_error', requestId: req.id });
});

const port = Number(process.env.PORT || 3000);
app.listen(port, () => logger.info(`listening on :${port}`));
module.exports = { app, authenticate };
"""]
    return doc

def go_src():
    doc = ["""package auth

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/crypto/bcrypt"
)

var ErrInvalidToken = errors.New("auth: invalid token")

// Config holds the authentication settings. Secret and Password fields are read from the
// environment and never logged.
type Config struct {
	Issuer        string        `json:"issuer" yaml:"issuer"`
	Secret        string        `json:"-" yaml:"secret"`
	TokenTTL      time.Duration `json:"token_ttl" yaml:"token_ttl"`
	APIKey        string        `json:"api_key,omitempty" yaml:"api_key"`
	AdminPassword string        `json:"-" yaml:"admin_password"`
}

type Credentials struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

type TokenResponse struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token,omitempty"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"`
}

func LoadConfig() (*Config, error) {
	secret := os.Getenv("AUTH_SECRET")
	if secret == "" {
		return nil, fmt.Errorf("AUTH_SECRET is not set")
	}
	return &Config{Issuer: "https://auth.internal", Secret: secret, TokenTTL: 15 * time.Minute, APIKey: os.Getenv("API_KEY")}, nil
}

func (c *Config) Sign(sub string) (string, error) {
	token := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"sub": sub, "iss": c.Issuer, "exp": time.Now().Add(c.TokenTTL).Unix()})
	return token.SignedString([]byte(c.Secret))
}

func (c *Config) Verify(tokenString string) (string, error) {
	token, err := jwt.Parse(tokenString, func(t *jwt.Token) (interface{}, error) {
		if _, ok := t.Method.(*jwt.SigningMethodHMAC); !ok {
			return nil, fmt.Errorf("unexpected signing method %v", t.Header["alg"])
		}
		return []byte(c.Secret), nil
	})
	if err != nil || !token.Valid {
		return "", ErrInvalidToken
	}
	sub, _ := token.Claims.GetSubject()
	return sub, nil
}

func CheckPassword(hash, password string) bool {
	return bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) == nil
}

func ValidSignature(body []byte, signature, secret string) bool {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return hmac.Equal([]byte(hex.EncodeToString(mac.Sum(nil))), []byte(signature))
}

func Middleware(c *Config, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		if token == "" || token == r.Header.Get("Authorization") {
			http.Error(w, "missing bearer token", http.StatusUnauthorized)
			return
		}
		sub, err := c.Verify(token)
		if err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), subjectKey{}, sub)))
	})
}
""", """
// auth_test.go
func TestSignVerify(t *testing.T) {
	c := &Config{Issuer: "test", Secret: "test-secret", TokenTTL: time.Minute}
	tok, err := c.Sign("user-42")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		token string
		want  error
	}{
		{"valid", tok, nil},
		{"empty", "", ErrInvalidToken},
		{"garbage", "not.a.token", ErrInvalidToken},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := c.Verify(tc.token); !errors.Is(err, tc.want) {
				t.Fatalf("Verify(%q) = %v, want %v", tc.token, err, tc.want)
			}
		})
	}
}
"""]
    if R.random() < 0.3:
        doc += ["\n// fixture recorded from staging on 2024-05-02\nconst recordedAuthHeader = \"Bearer ", L("JWT", jwt()), "\"\n"]
    return doc

def spring():
    plant = R.random() < 0.4
    doc = ["""# src/main/resources/application.yml
spring:
  application:
    name: order-service
  datasource:
    url: jdbc:postgresql://${DB_HOST:localhost}:5432/orders
    username: ${DB_USER:orders}
    password: ${DB_PASSWORD}
    hikari:
      maximum-pool-size: 20
      connection-timeout: 30000
  jpa:
    hibernate:
      ddl-auto: validate
    open-in-view: false
  security:
    oauth2:
      resourceserver:
        jwt:
          issuer-uri: https://login.microsoftonline.com/${TENANT_ID}/v2.0
      client:
        registration:
          github:
            client-id: ${GITHUB_CLIENT_ID}
            client-secret: ${GITHUB_CLIENT_SECRET}
  redis:
    host: redis
    port: 6379
    password: ${REDIS_PASSWORD:}
management:
  endpoints:
    web:
      exposure:
        include: health,info,prometheus
jwt:
  secret: ${JWT_SECRET}
  expiration-ms: 900000
  header: Authorization
  prefix: "Bearer "
server:
  port: 8080
  ssl:
    key-store: classpath:keystore.p12
    key-store-password: ${KEYSTORE_PASSWORD}
    key-store-type: PKCS12
    key-alias: tomcat
"""]
    if plant:
        doc += ["\n# src/main/resources/application-local.properties\nspring.datasource.password=", L("GENERIC_SECRET", pwu()), "\nspring.mail.username=noreply\nlogging.level.org.springframework.security=DEBUG\n"]
    doc += ["""
// src/main/java/com/example/orders/security/JwtTokenProvider.java
package com.example.orders.security;

import io.jsonwebtoken.*;
import io.jsonwebtoken.security.Keys;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

import javax.crypto.SecretKey;
import java.nio.charset.StandardCharsets;
import java.util.Date;

@Component
public class JwtTokenProvider {

    @Value("${jwt.secret}")
    private String secret;

    @Value("${jwt.expiration-ms}")
    private long expirationMs;

    private SecretKey secretKey;

    @PostConstruct
    protected void init() {
        secretKey = Keys.hmacShaKeyFor(secret.getBytes(StandardCharsets.UTF_8));
    }

    public String createToken(String username, List<String> roles) {
        Date now = new Date();
        return Jwts.builder()
                .subject(username)
                .claim("roles", roles)
                .issuedAt(now)
                .expiration(new Date(now.getTime() + expirationMs))
                .signWith(secretKey)
                .compact();
    }

    public boolean validateToken(String token) {
        try {
            Jwts.parser().verifyWith(secretKey).build().parseSignedClaims(token);
            return true;
        } catch (JwtException | IllegalArgumentException e) {
            log.debug("Invalid JWT token: {}", e.getMessage());
            return false;
        }
    }

    public String resolveToken(HttpServletRequest req) {
        String bearerToken = req.getHeader("Authorization");
        if (bearerToken != null && bearerToken.startsWith("Bearer ")) {
            return bearerToken.substring(7);
        }
        return null;
    }
}

// src/main/java/com/example/orders/user/User.java
@Entity
@Table(name = "users")
public class User {
    @Id @GeneratedValue(strategy = GenerationType.IDENTITY)
    private Long id;
    @Column(nullable = false, unique = true)
    private String email;
    @JsonIgnore
    @Column(name = "password_hash", nullable = false)
    private String password;
    private String resetToken;
    private Instant resetTokenExpiresAt;

    public boolean checkPassword(PasswordEncoder encoder, String rawPassword) {
        return encoder.matches(rawPassword, this.password);
    }
    public void setPassword(String password) { this.password = password; }
    public String getPassword() { return password; }
}
"""]
    return doc

def java_trace():
    doc = ["%s ERROR 1 --- [nio-8080-exec-%d] o.a.c.c.C.[.[.[/].[dispatcherServlet]    : Servlet.service() for servlet [dispatcherServlet] in context with path [] threw exception [Request processing failed: org.springframework.dao.DataAccessResourceFailureException: Unable to acquire JDBC Connection] with root cause\n\n" % (ts(), R.randint(1, 10)),
           "org.postgresql.util.PSQLException: FATAL: password authentication failed for user \"orders\"\n",
           "\tat org.postgresql.core.v3.ConnectionFactoryImpl.doAuthentication(ConnectionFactoryImpl.java:693) ~[postgresql-42.6.0.jar!/:42.6.0]\n",
           "\tat org.postgresql.core.v3.ConnectionFactoryImpl.tryConnect(ConnectionFactoryImpl.java:203) ~[postgresql-42.6.0.jar!/:42.6.0]\n",
           "\tat org.postgresql.core.v3.ConnectionFactoryImpl.openConnectionImpl(ConnectionFactoryImpl.java:258) ~[postgresql-42.6.0.jar!/:42.6.0]\n",
           "\tat org.postgresql.core.ConnectionFactory.openConnection(ConnectionFactory.java:54) ~[postgresql-42.6.0.jar!/:42.6.0]\n",
           "\tat org.postgresql.jdbc.PgConnection.<init>(PgConnection.java:263) ~[postgresql-42.6.0.jar!/:42.6.0]\n",
           "\tat com.zaxxer.hikari.pool.PoolBase.newConnection(PoolBase.java:359) ~[HikariCP-5.0.1.jar!/:na]\n",
           "\tat com.zaxxer.hikari.pool.HikariPool.getConnection(HikariPool.java:181) ~[HikariCP-5.0.1.jar!/:na]\n",
           "\tat org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationProvider.getJwt(JwtAuthenticationProvider.java:97) ~[spring-security-oauth2-resource-server-6.2.1.jar!/:6.2.1]\n",
           "\tat org.springframework.security.web.authentication.UsernamePasswordAuthenticationFilter.attemptAuthentication(UsernamePasswordAuthenticationFilter.java:85) ~[spring-security-web-6.2.1.jar!/:6.2.1]\n",
           "\tat java.base/java.lang.Thread.run(Thread.java:1583) ~[na:na]\n\n",
           "%s  WARN 1 --- [           main] o.s.b.a.s.s.UserDetailsServiceAutoConfiguration : \n\nUsing generated security password: " % ts(), L("GENERIC_SECRET", uuid()), "\n\nThis generated password is for development use only. Your security configuration must be updated before running your application in production.\n\n",
           "%s  INFO 1 --- [           main] o.s.b.w.embedded.tomcat.TomcatWebServer  : Tomcat started on port 8080 (http) with context path ''\n" % ts(),
           "%s  INFO 1 --- [           main] c.e.orders.OrderServiceApplication       : Started OrderServiceApplication in 7.412 seconds (process running for 8.03)\n" % ts()]
    return doc

def csharp():
    plant = R.random() < 0.4
    doc = ['// appsettings.json\n{\n  "Logging": { "LogLevel": { "Default": "Information", "Microsoft.AspNetCore": "Warning" } },\n  "AllowedHosts": "*",\n  "ConnectionStrings": {\n    "DefaultConnection": "Server=(localdb)\\\\mssqllocaldb;Database=aspnet-Shop-53bc9b9d-9d6a-45d4-8429-2a2761773502;Trusted_Connection=True;MultipleActiveResultSets=true"\n  },\n  "Jwt": {\n    "Issuer": "https://shop.example.com",\n    "Audience": "shop-api",\n    "Key": "',
           ]
    if plant:
        doc += [L("GENERIC_SECRET", pwu(40)), '",\n']
    else:
        doc += ['",\n']
    doc += ['''    "ExpiryMinutes": 60
  },
  "Stripe": { "PublishableKey": "pk_live_''' + rs(99) + '''", "WebhookSecretName": "stripe-webhook-secret" },
  "KeyVault": { "VaultUri": "https://shop-kv.vault.azure.net/", "TenantId": "''' + uuid() + '''" }
}

// Services/TokenService.cs
using System.IdentityModel.Tokens.Jwt;
using System.Security.Claims;
using System.Text;
using Microsoft.IdentityModel.Tokens;

namespace Shop.Services;

public sealed class TokenService : ITokenService
{
    private readonly IConfiguration _config;
    private readonly SymmetricSecurityKey _key;

    public TokenService(IConfiguration config)
    {
        _config = config;
        var secret = config["Jwt:Key"] ?? throw new InvalidOperationException("Jwt:Key is missing");
        _key = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(secret));
    }

    public string CreateToken(AppUser user)
    {
        var claims = new List<Claim>
        {
            new(JwtRegisteredClaimNames.Sub, user.Id),
            new(JwtRegisteredClaimNames.Email, user.Email!),
            new(ClaimTypes.Role, user.Role),
        };
        var creds = new SigningCredentials(_key, SecurityAlgorithms.HmacSha512Signature);
        var token = new JwtSecurityToken(_config["Jwt:Issuer"], _config["Jwt:Audience"], claims,
            expires: DateTime.UtcNow.AddMinutes(double.Parse(_config["Jwt:ExpiryMinutes"]!)), signingCredentials: creds);
        return new JwtSecurityTokenHandler().WriteToken(token);
    }
}

public record LoginRequest(string Email, string Password);
public record RegisterRequest(string Email, string Password, string ConfirmPassword);

public class PasswordPolicy
{
    public int RequiredLength { get; set; } = 12;
    public bool RequireNonAlphanumeric { get; set; } = true;
    public string? PasswordResetTokenProvider { get; set; } = "Default";
}

// Resources/Strings.resx (excerpt)
// <data name="EnterPassword"><value>Enter your password</value></data>
// <data name="PasswordTooWeak"><value>Password must contain at least one digit and one symbol.</value></data>
// <data name="TokenExpired"><value>Your session token has expired. Please sign in again.</value></data>
''']
    return doc

def rust_src():
    doc = ['''use std::env;
use std::time::{Duration, SystemTime};

use anyhow::{Context, Result};
use reqwest::header::{HeaderMap, HeaderValue, AUTHORIZATION};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

/// Client configuration. `token` is a GitHub token with `repo` scope.
#[derive(Debug, Clone, Deserialize)]
pub struct Config {
    pub api_base: String,
    #[serde(skip_serializing)]
    pub token: SecretString,
    pub webhook_secret: Option<SecretString>,
    pub timeout_secs: u64,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: String,
    pub expires_in: u64,
    pub scope: String,
}

impl Config {
    pub fn from_env() -> Result<Self> {
        let token = env::var("GITHUB_TOKEN").context("GITHUB_TOKEN must be set")?;
        let webhook_secret = env::var("WEBHOOK_SECRET").ok().map(SecretString::from);
        Ok(Self {
            api_base: env::var("API_BASE").unwrap_or_else(|_| "https://api.github.com".into()),
            token: SecretString::from(token),
            webhook_secret,
            timeout_secs: 30,
        })
    }

    pub fn headers(&self) -> Result<HeaderMap> {
        let mut h = HeaderMap::new();
        let value = format!("Bearer {}", self.token.expose_secret());
        h.insert(AUTHORIZATION, HeaderValue::from_str(&value)?);
        Ok(h)
    }
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    argon2::verify_encoded(hash, password.as_bytes()).unwrap_or(false)
}

pub fn is_expired(issued_at: SystemTime, ttl: Duration) -> bool {
    issued_at.elapsed().map(|e| e > ttl).unwrap_or(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_roundtrip() {
        let password = "correct horse battery staple";
        let salt = b"randomsalt";
        let hash = argon2::hash_encoded(password.as_bytes(), salt, &argon2::Config::default()).unwrap();
        assert!(verify_password(password, &hash));
        assert!(!verify_password("hunter2", &hash));
    }

    #[test]
    fn headers_use_bearer() {
        let cfg = Config { api_base: "http://localhost".into(), token: SecretString::from("dummy".to_string()), webhook_secret: None, timeout_secs: 1 };
        assert_eq!(cfg.headers().unwrap()[AUTHORIZATION], "Bearer dummy");
    }
}
''']
    return doc

def terraform():
    plant = R.random() < 0.35
    doc = ['''terraform {
  required_version = ">= 1.5.0"
  required_providers {
    aws    = { source = "hashicorp/aws", version = "~> 5.31" }
    random = { source = "hashicorp/random", version = "~> 3.6" }
  }
  backend "s3" {
    bucket         = "acme-tfstate-prod"
    key            = "rds/terraform.tfstate"
    region         = "eu-west-1"
    dynamodb_table = "tf-locks"
    encrypt        = true
    kms_key_id     = "arn:aws:kms:eu-west-1:''' + d(12) + ''':key/''' + uuid() + '''"
  }
}

variable "db_password" {
  description = "Master password for the RDS instance"
  type        = string
  sensitive   = true
}

variable "api_token" {
  type      = string
  sensitive = true
  default   = null
}

resource "random_password" "master" {
  length           = 32
  special          = true
  override_special = "!#$%&*()-_=+[]{}<>:?"
}

resource "aws_secretsmanager_secret" "db" {
  name                    = "prod/orders/db"
  recovery_window_in_days = 7
  kms_key_id              = aws_kms_key.secrets.arn
}

resource "aws_secretsmanager_secret_version" "db" {
  secret_id = aws_secretsmanager_secret.db.id
  secret_string = jsonencode({
    username = "orders"
    password = random_password.master.result
    host     = aws_db_instance.orders.address
    port     = 5432
  })
}

resource "aws_db_instance" "orders" {
  identifier                  = "orders-prod"
  engine                      = "postgres"
  engine_version              = "15.5"
  instance_class              = "db.r6g.large"
  allocated_storage           = 200
  username                    = "orders"
  password                    = coalesce(var.db_password, random_password.master.result)
  manage_master_user_password = false
  vpc_security_group_ids      = [aws_security_group.db.id]
  db_subnet_group_name        = aws_db_subnet_group.private.name
  backup_retention_period     = 14
  deletion_protection         = true
  performance_insights_kms_key_id = aws_kms_key.rds.arn
}

data "aws_eks_cluster_auth" "this" {
  name = module.eks.cluster_name
}

provider "kubernetes" {
  host                   = module.eks.cluster_endpoint
  cluster_ca_certificate = base64decode(module.eks.cluster_certificate_authority_data)
  token                  = data.aws_eks_cluster_auth.this.token
}

resource "aws_security_group_rule" "office" {
  type              = "ingress"
  from_port         = 5432
  to_port           = 5432
  protocol          = "tcp"
  cidr_blocks       = ["''', IP("203.0.113.0"), '''/24"]
  security_group_id = aws_security_group.db.id
}

output "db_password" {
  value     = random_password.master.result
  sensitive = true
}
''']
    if plant:
        doc += ['\n# terraform.tfvars (checked in by mistake)\ndb_password = "', L("GENERIC_SECRET", pw()), '"\n']
    return doc

def ansible():
    doc = ['''---
# roles/postgres/tasks/main.yml
- name: Install PostgreSQL
  ansible.builtin.apt:
    name: ["postgresql-15", "python3-psycopg2"]
    state: present
    update_cache: true
  become: true

- name: Create application user
  community.postgresql.postgresql_user:
    name: "{{ app_db_user }}"
    password: "{{ vault_app_db_password }}"
    encrypted: true
    role_attr_flags: LOGIN
  become: true
  become_user: postgres
  no_log: true

- name: Template pg_hba.conf
  ansible.builtin.template:
    src: pg_hba.conf.j2
    dest: /etc/postgresql/15/main/pg_hba.conf
    mode: "0640"
  notify: restart postgresql

# group_vars/all/vars.yml
app_db_user: app
app_db_password: "{{ vault_app_db_password }}"
ansible_become_password: "{{ vault_become_password }}"
api_token_file: /etc/app/token
token_refresh_interval: 3600

# group_vars/all/vault.yml
vault_app_db_password: !vault |
          $ANSIBLE_VAULT;1.1;AES256
''']
    for _ in range(5): doc.append("          " + rs(80, "0123456789abcdef") + "\n")
    doc.append("          " + rs(48, "0123456789abcdef") + "\n")
    doc += ['''
# inventory/hosts.ini
[db]
db1 ansible_host=''', IP(ipv4p()), ''' ansible_user=deploy
db2 ansible_host=''', IP(ipv4p()), ''' ansible_user=deploy

[web]
web[01:04].internal ansible_user=deploy ansible_ssh_private_key_file=~/.ssh/deploy_ed25519
''']
    return doc

def helm():
    doc = ['''# charts/api/values.yaml
replicaCount: 3
image:
  repository: ghcr.io/acme/api
  tag: "2.14.3"
  digest: "sha256:''' + sha(64) + '''"
  pullPolicy: IfNotPresent
imagePullSecrets:
  - name: ghcr-pull-secret
serviceAccount:
  create: true
  annotations:
    eks.amazonaws.com/role-arn: arn:aws:iam::''' + d(12) + ''':role/api-irsa
auth:
  existingSecret: ""
  existingSecretPasswordKey: password
  password: ""
  jwtSecretName: api-jwt
  tokenTTL: 15m
postgresql:
  enabled: true
  auth:
    username: api
    database: api
    existingSecret: api-postgresql
    secretKeys:
      adminPasswordKey: postgres-password
      userPasswordKey: password
redis:
  auth:
    enabled: true
    existingSecret: api-redis
    existingSecretPasswordKey: redis-password
env:
  - name: DATABASE_PASSWORD
    valueFrom:
      secretKeyRef:
        name: api-postgresql
        key: password
  - name: STRIPE_SECRET_KEY
    valueFrom:
      secretKeyRef:
        name: api-stripe
        key: secret-key
  - name: LOG_LEVEL
    value: info
resources:
  limits: { cpu: 500m, memory: 512Mi }
  requests: { cpu: 100m, memory: 256Mi }
podAnnotations:
  checksum/config: ''' + sha(64) + '''
  checksum/secret: ''' + sha(64) + '''
ingress:
  enabled: true
  className: nginx
  annotations:
    cert-manager.io/cluster-issuer: letsencrypt-prod
    nginx.ingress.kubernetes.io/auth-url: "https://auth.example.com/oauth2/auth?rd=$escaped_request_uri"
  hosts:
    - host: api.example.com
      paths: [{ path: /, pathType: Prefix }]
  tls:
    - secretName: api-tls
      hosts: [api.example.com]

# templates/secret.yaml
apiVersion: v1
kind: Secret
metadata:
  name: {{ include "api.fullname" . }}-jwt
type: Opaque
data:
  jwt-secret: {{ .Values.auth.jwtSecret | default (randAlphaNum 48) | b64enc | quote }}
  password: {{ .Values.auth.password | b64enc | quote }}
''']
    if R.random() < 0.35:
        v = pwu(32)
        doc += ['''---
# rendered by `helm template` for the staging release
apiVersion: v1
kind: Secret
metadata:
  name: api-staging-jwt
type: Opaque
data:
  jwt-secret: ''', L("GENERIC_SECRET", base64.b64encode(v.encode()).decode()), '\n']
    return doc

def gha():
    doc = ['''name: release
on:
  push:
    tags: ["v*.*.*"]
  workflow_dispatch:
    inputs:
      dry_run:
        description: "Skip publishing"
        type: boolean
        default: false
permissions:
  contents: write
  id-token: write
  packages: write
env:
  REGISTRY: ghcr.io
  IMAGE_NAME: ${{ github.repository }}
  NODE_VERSION: "20.11.1"
jobs:
  build:
    runs-on: ubuntu-22.04
    timeout-minutes: 30
    steps:
      - uses: actions/checkout@b4ffde65f46336ab88eb53be808477a3936bae11 # v4.1.1
        with:
          fetch-depth: 0
          token: ${{ secrets.GITHUB_TOKEN }}
      - uses: actions/setup-node@60edb5dd545a775178f52524783378180af0d1f8 # v4.0.2
        with:
          node-version: ${{ env.NODE_VERSION }}
          cache: npm
          registry-url: https://registry.npmjs.org
      - uses: actions/cache@13aacd865c20de90d75de3b17ebe84f7a17d57d2 # v4.0.0
        with:
          path: ~/.cache/ms-playwright
          key: ${{ runner.os }}-playwright-${{ hashFiles('**/package-lock.json') }}
      - run: npm ci
      - run: npm test -- --coverage
        env:
          DATABASE_URL: postgres://postgres:postgres@localhost:5432/test
          JWT_SECRET: test-only-secret
      - name: Log in to GHCR
        uses: docker/login-action@343f7c4344506bcbf9b4de18042ae17996df046d # v3.0.0
        with:
          registry: ${{ env.REGISTRY }}
          username: ${{ github.actor }}
          password: ${{ secrets.GITHUB_TOKEN }}
      - name: Configure AWS credentials
        uses: aws-actions/configure-aws-credentials@e3dd6a429d7300a6a4c196c26e071d42e0343502 # v4
        with:
          role-to-assume: arn:aws:iam::''' + d(12) + ''':role/gha-release
          aws-region: us-east-1
      - name: Publish
        if: ${{ !inputs.dry_run }}
        run: npm publish --provenance --access public
        env:
          NODE_AUTH_TOKEN: ${{ secrets.NPM_TOKEN }}
      - name: Notify Slack
        uses: slackapi/slack-github-action@6c661ce58804a1a20f6dc5fbee7f0381b469e001 # v1.25.0
        with:
          channel-id: C0123ABCD45
          slack-message: "Released ${{ github.ref_name }} (${{ github.sha }})"
        env:
          SLACK_BOT_TOKEN: ${{ secrets.SLACK_BOT_TOKEN }}
    services:
      postgres:
        image: postgres:16@sha256:''' + sha(64) + '''
        env:
          POSTGRES_PASSWORD: postgres
        ports: ["5432:5432"]
        options: --health-cmd pg_isready --health-interval 10s --health-timeout 5s --health-retries 5
''']
    return doc

def dockerfile():
    doc = ['''# syntax=docker/dockerfile:1.7
FROM node:20.11.1-alpine3.19@sha256:''' + sha(64) + ''' AS deps
WORKDIR /app
ARG NPM_TOKEN
COPY package.json package-lock.json .npmrc ./
RUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci --omit=dev

FROM node:20.11.1-alpine3.19@sha256:''' + sha(64) + ''' AS build
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY . .
RUN npm run build

FROM gcr.io/distroless/nodejs20-debian12:nonroot
ENV NODE_ENV=production \\
    PORT=8080 \\
    DB_PASSWORD_FILE=/run/secrets/db_password \\
    JWT_SECRET_FILE=/run/secrets/jwt_secret
COPY --from=build --chown=nonroot:nonroot /app/dist ./dist
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s CMD ["node", "dist/healthcheck.js"]
USER nonroot
CMD ["dist/server.js"]

# .npmrc
//registry.npmjs.org/:_authToken=${NPM_TOKEN}
@acme:registry=https://npm.pkg.github.com
''']
    return doc

def makefile():
    doc = ['''SHELL := /bin/bash
VERSION ?= $(shell git describe --tags --always --dirty)
REGISTRY ?= 123456789012.dkr.ecr.eu-west-1.amazonaws.com
IMAGE := $(REGISTRY)/api:$(VERSION)
TOKEN_FILE ?= $(HOME)/.config/acme/token
GITHUB_TOKEN ?= $(shell cat $(TOKEN_FILE) 2>/dev/null)
LDFLAGS := -s -w -X main.version=$(VERSION) -X main.commit=$(shell git rev-parse --short HEAD)

.PHONY: build test lint docker push login release

build:
	CGO_ENABLED=0 go build -ldflags "$(LDFLAGS)" -o bin/api ./cmd/api

test:
	go test -race -coverprofile=coverage.out ./...

lint:
	golangci-lint run --timeout 5m

login:
	aws ecr get-login-password --region eu-west-1 | docker login --username AWS --password-stdin $(REGISTRY)

docker:
	docker build --build-arg VERSION=$(VERSION) --secret id=npmrc,src=$(HOME)/.npmrc -t $(IMAGE) .

push: login docker
	docker push $(IMAGE)

release:
	@test -n "$(GITHUB_TOKEN)" || (echo "GITHUB_TOKEN is not set" && exit 1)
	goreleaser release --clean

db-shell:
	PGPASSWORD=$$(aws secretsmanager get-secret-value --secret-id prod/orders/db --query SecretString --output text | jq -r .password) \\
	  psql -h $(DB_HOST) -U orders orders
''']
    return doc

def shell_script():
    plant = R.random() < 0.3
    doc = ['''#!/usr/bin/env bash
# deploy.sh - build, push and roll out the api
set -euo pipefail

usage() {
  cat <<EOF
Usage: $0 [-e env] [-t token] [--dry-run]
  -e ENV       target environment (staging|prod), default staging
  -t TOKEN     deploy token (or set DEPLOY_TOKEN)
  --password-file FILE   read the registry password from FILE
EOF
}

ENV=staging
TOKEN="${DEPLOY_TOKEN:-}"
PASSWORD_FILE=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    -e) ENV="$2"; shift 2 ;;
    -t) TOKEN="$2"; shift 2 ;;
    --password-file) PASSWORD_FILE="$2"; shift 2 ;;
    --dry-run) DRY_RUN=1; shift ;;
    *) usage; exit 1 ;;
  esac
done

if [[ -z "$TOKEN" ]]; then
  read -r -s -p "Deploy token: " TOKEN
  echo
fi

if [[ -n "$PASSWORD_FILE" ]]; then
  REGISTRY_PASSWORD="$(<"$PASSWORD_FILE")"
else
  read -r -s -p "Registry password: " REGISTRY_PASSWORD
fi

echo "$REGISTRY_PASSWORD" | docker login registry.example.com -u deploy --password-stdin
export VAULT_ADDR=https://vault.internal:8200
export VAULT_TOKEN="$(vault login -method=oidc -token-only role=deploy)"
DB_PASSWORD="$(vault kv get -field=password secret/${ENV}/db)"

curl -fsS -X POST "https://deploy.example.com/api/v1/releases" \\
  -H "Authorization: Bearer ${TOKEN}" \\
  -H "Content-Type: application/json" \\
  -d "{\\"env\\": \\"${ENV}\\", \\"version\\": \\"$(git rev-parse HEAD)\\"}"

for i in $(seq 1 30); do
  status=$(curl -fsS -H "Authorization: Bearer ${TOKEN}" "https://deploy.example.com/api/v1/releases/latest" | jq -r .status)
  [[ "$status" == "done" ]] && break
  sleep 10
done
''']
    if plant:
        doc += ['\n# legacy fallback (remove)\nexport SLACK_WEBHOOK_TOKEN=', L("SLACK_TOKEN", slack_bot()), '\n']
    return doc

def sql_migration():
    doc = ['''-- migrations/20240612_0042_auth_tables.sql
BEGIN;

CREATE TABLE IF NOT EXISTS users (
    id              BIGSERIAL PRIMARY KEY,
    email           CITEXT NOT NULL UNIQUE,
    password_hash   TEXT NOT NULL,
    password_changed_at TIMESTAMPTZ,
    failed_logins   INTEGER NOT NULL DEFAULT 0,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS api_tokens (
    id           UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id      BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    token_prefix CHAR(8) NOT NULL,
    token_hash   CHAR(64) NOT NULL UNIQUE,
    scopes       TEXT[] NOT NULL DEFAULT '{}',
    last_used_at TIMESTAMPTZ,
    expires_at   TIMESTAMPTZ
);
CREATE INDEX api_tokens_user_id_idx ON api_tokens (user_id);

CREATE TABLE IF NOT EXISTS password_resets (
    token_hash  CHAR(64) PRIMARY KEY,
    user_id     BIGINT NOT NULL REFERENCES users(id),
    expires_at  TIMESTAMPTZ NOT NULL
);

ALTER TABLE orders ADD COLUMN payment_token_ref TEXT;
COMMENT ON COLUMN orders.payment_token_ref IS 'Stripe PaymentMethod id (pm_...), never the card number';

-- seed data for local development (fake values)
INSERT INTO users (id, email, password_hash) VALUES
  (1, 'admin@localhost', 'pbkdf2_sha256$600000$''' + rs(22) + '''$''' + rs(43, B64) + '''='),
  (2, 'demo@localhost',  'argon2$argon2id$v=19$m=102400,t=2,p=8$''' + rs(22, B64) + '''$''' + rs(22, B64) + '''');
INSERT INTO api_tokens (user_id, name, token_prefix, token_hash, scopes) VALUES
  (1, 'ci', 'lk_7f3a2', \'''' + sha(64) + '''\', '{read,write}');

GRANT SELECT, INSERT, UPDATE ON users, api_tokens, password_resets TO app;
ALTER ROLE app WITH PASSWORD NULL;
COMMIT;
''']
    return doc

def notebook():
    png = base64.b64encode(bytes(R.randrange(256) for _ in range(R.randint(600, 3000)))).decode()
    plant = R.random() < 0.35
    cells = []
    def code(src_lines, outputs="[]", n=1):
        return '  {\n   "cell_type": "code",\n   "execution_count": %d,\n   "metadata": {},\n   "outputs": %s,\n   "source": [\n%s\n   ]\n  }' % (n, outputs, ",\n".join("    " + json.dumps(l) for l in src_lines))
    doc = ['{\n "cells": [\n  {\n   "cell_type": "markdown",\n   "metadata": {},\n   "source": [\n    "# Churn model\\n",\n    "Loads the export, trains a gradient-boosted model and logs metrics. Set `OPENAI_API_KEY` and `WANDB_API_KEY` in your environment first.\\n"\n   ]\n  },\n']
    doc.append(code(["import os\n", "import pandas as pd\n", "from openai import OpenAI\n", "client = OpenAI(api_key=os.environ[\"OPENAI_API_KEY\"])\n", "df = pd.read_csv(\"churn_2024q2.csv\")\n", "df.shape"],
                    '[\n    {\n     "data": {"text/plain": ["(48213, 37)"]},\n     "execution_count": 1,\n     "metadata": {},\n     "output_type": "execute_result"\n    }\n   ]', 1) + ",\n")
    if plant:
        v = openai_proj()
        doc.append('  {\n   "cell_type": "code",\n   "execution_count": 2,\n   "metadata": {},\n   "outputs": [],\n   "source": [\n    "# quick test, remove\\n",\n    "os.environ[\\"OPENAI_API_KEY\\"] = \\"')
        doc.append(L("OPENAI_KEY", v))
        doc.append('\\"\\n"\n   ]\n  },\n')
    doc.append(code(["resp = client.chat.completions.create(model=\"gpt-4o-mini\", max_tokens=256, temperature=0.2, messages=msgs)\n", "print(resp.usage)"],
                    '[\n    {\n     "name": "stdout",\n     "output_type": "stream",\n     "text": ["CompletionUsage(completion_tokens=212, prompt_tokens=1843, total_tokens=2055)\\n"]\n    }\n   ]', 3) + ",\n")
    doc.append(code(["import matplotlib.pyplot as plt\n", "ax = df.groupby(\"tenure_months\")[\"churned\"].mean().plot()\n", "plt.title(\"Churn by tenure\")"],
                    '[\n    {\n     "data": {\n      "image/png": "' + png + '",\n      "text/plain": ["<Figure size 640x480 with 1 Axes>"]\n     },\n     "metadata": {},\n     "output_type": "display_data"\n    }\n   ]', 4) + "\n")
    doc.append(' ],\n "metadata": {\n  "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},\n  "language_info": {"name": "python", "version": "3.11.7"}\n },\n "nbformat": 4,\n "nbformat_minor": 5\n}\n')
    return doc

# ---------------------------------------------------------------- logs
UAS = ["Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.6261.94 Safari/537.36",
       "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3.1 Safari/605.1.15",
       "curl/8.4.0", "python-requests/2.31.0", "Go-http-client/2.0", "kube-probe/1.29", "Googlebot/2.1 (+http://www.google.com/bot.html)",
       "Mozilla/5.0 (iPhone; CPU iPhone OS 17_3_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
       "okhttp/4.12.0", "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)"]
PATHS = ["/api/v1/orders?page=%d&per_page=50&sort=-created_at" % R.randint(1, 40), "/healthz", "/static/js/main.3f2a1b9c.chunk.js",
         "/api/v1/products/%d" % R.randint(1000, 99999), "/login?next=%2Fdashboard", "/api/v1/search?q=wireless+headphones&category=audio&min_price=20&max_price=150",
         "/favicon.ico", "/api/v1/users/me", "/oauth/callback?code=%s&state=%s" % (rs(20), rs(16)), "/assets/logo@2x.png",
         "/api/v1/reports/export.csv?from=2024-05-01&to=2024-05-31&tz=Europe%2FBerlin", "/wp-login.php", "/api/v2/invoices/INV-2024-%06d.pdf" % R.randint(1, 999999)]
def nginx_log():
    doc = []
    n = R.randint(30, 90)
    plant_i = R.randrange(n) if R.random() < 0.35 else -1
    for i in range(n):
        t = "%02d/Jun/2024:%02d:%02d:%02d +0000" % (R.randint(1, 28), R.randint(0, 23), R.randint(0, 59), R.randint(0, 59))
        path = R.choice(PATHS)
        if R.random() < 0.2: path = "/api/v1/orders?page=%d&per_page=50&sort=-created_at&cursor=%s" % (R.randint(1, 40), b64u(json.dumps({"id": R.randint(1, 10**6)}).encode()))
        if R.random() < 0.1: path = "/download/%s?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20240601T120000Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host&X-Amz-Signature=%s" % (uuid(), sha(64))
        if R.random() < 0.08: path = "/api/v1/email/verify?token_type=email&expires=%d&signature=%s" % (1718000000 + R.randint(0, 99999), sha(64))
        pre = [IP(ipv4() if R.random() < 0.7 else ipv4p()), ' - - [%s] "%s ' % (t, R.choice(["GET", "GET", "GET", "POST", "PUT"]))]
        if i == plant_i:
            pre += ["/api/v1/export?format=csv&api_key=", L("GENERIC_SECRET", pwu(32))]
        else:
            pre += [path]
        pre += [' HTTP/1.1" %d %d "%s" "%s" rt=%.3f uct="%.3f" upstream=' % (R.choice([200, 200, 200, 204, 301, 304, 401, 404, 499, 502]), R.randint(0, 250000),
                R.choice(["-", "https://shop.example.com/cart", "https://www.google.com/"]), R.choice(UAS), R.random() * 2, R.random() / 10),
                IP(ipv4p()), ":8080 req_id=%s\n" % sha(32)]
        doc += pre
    return doc

def apache_log():
    doc = []
    for i in range(R.randint(25, 70)):
        doc += [IP(), " - %s [%02d/May/2024:%02d:%02d:%02d -0700] \"GET %s HTTP/1.1\" %d %d \"-\" \"%s\"\n" % (
            R.choice(["-", "-", "frank", "api-user"]), R.randint(1, 28), R.randint(0, 23), R.randint(0, 59), R.randint(0, 59), R.choice(PATHS),
            R.choice([200, 304, 404]), R.randint(200, 90000), R.choice(UAS))]
        if R.random() < 0.1:
            doc += ["[%s May %02d %02d:%02d:%02d.%06d 2024] [ssl:warn] [pid %d] AH01909: www.example.com:443:0 server certificate does NOT include an ID which matches the server name\n" % (
                R.choice(["Mon", "Tue", "Wed"]), R.randint(1, 28), R.randint(0, 23), R.randint(0, 59), R.randint(0, 59), R.randint(0, 999999), R.randint(1000, 99999))]
    return doc

def k8s_events():
    doc = ["LAST SEEN   TYPE      REASON              OBJECT                                MESSAGE\n"]
    for _ in range(R.randint(20, 50)):
        pod = "api-%s-%s" % (rs(10, "bcdfghjklmnpqrstvwxz2456789"), rs(5, "bcdfghjklmnpqrstvwxz2456789"))
        m = R.choice([
            lambda: ["Successfully assigned prod/%s to ip-%s.eu-west-1.compute.internal" % (pod, "-".join(str(R.randint(1, 254)) for _ in range(4)))],
            lambda: ["Pulling image \"ghcr.io/acme/api:2.14.%d\"" % R.randint(0, 9)],
            lambda: ["Successfully pulled image \"ghcr.io/acme/api@sha256:%s\" in 3.412s (3.412s including waiting). Image size: %d bytes." % (sha(64), R.randint(10**7, 10**9))],
            lambda: ["Readiness probe failed: Get \"http://", IP(ipv4p()), ":8080/healthz\": dial tcp ", IP(ipv4p()), ":8080: connect: connection refused"],
            lambda: ["Back-off restarting failed container api in pod %s_prod(%s)" % (pod, uuid())],
            lambda: ["Error: secret \"api-jwt\" not found"],
            lambda: ["MountVolume.SetUp failed for volume \"kube-api-access-%s\" : failed to fetch token: serviceaccounts \"api\" is forbidden" % rs(5, LOW + string.digits)],
            lambda: ["Created pod: %s" % pod],
            lambda: ["Scaled up replica set api-%s to 4" % rs(10, "bcdfghjklmnpqrstvwxz2456789")],
            lambda: ["0/12 nodes are available: 3 Insufficient cpu, 9 node(s) didn't match pod anti-affinity rules. preemption: 0/12 nodes are available."],
        ])()
        doc += ["%-11s %-9s %-19s %-37s " % ("%dm" % R.randint(1, 59), R.choice(["Normal", "Warning"]), R.choice(["Scheduled", "Pulling", "Pulled", "Unhealthy", "BackOff", "FailedMount", "SuccessfulCreate"]), "pod/" + pod)] + m + ["\n"]
    return doc

def json_logs():
    doc = []
    plant_i = R.randrange(40) if R.random() < 0.4 else -1
    for i in range(R.randint(25, 40)):
        base = {"ts": ts(), "level": R.choice(["info", "info", "debug", "warn", "error"]), "logger": R.choice(["http", "auth", "billing", "worker"]),
                "trace_id": sha(32), "span_id": sha(16), "duration_ms": round(R.random() * 800, 3)}
        kind = R.randrange(9)
        if kind == 0: base.update({"msg": "token refreshed", "token_type": "Bearer", "expires_in": 3600, "user_id": R.randint(1, 10**6)})
        elif kind == 1: base.update({"msg": "request completed", "method": "GET", "path": "/api/v1/orders", "status": 200, "bytes": R.randint(100, 90000), "user_agent": R.choice(UAS)})
        elif kind == 2: base.update({"msg": "login failed", "reason": "invalid_password", "attempt": R.randint(1, 5), "password": "[REDACTED]"})
        elif kind == 3: base.update({"msg": "charge created", "charge_id": "ch_3" + rs(23), "amount": R.randint(100, 99999), "currency": "eur", "idempotency_key": uuid()})
        elif kind == 4: base.update({"msg": "cache miss", "key": "session:" + sha(40), "ttl": 1800})
        elif kind == 5: base.update({"msg": "job done", "job_id": R.randint(10**17, 10**18), "queue": "emails", "max_tokens": 4096, "tokens_used": R.randint(100, 4000)})
        elif kind == 6: base.update({"msg": "webhook verified", "signature": "t=%d,v1=%s" % (1718000000 + R.randint(0, 9999), sha(64)), "secret_name": "stripe-webhook"})
        elif kind == 7: base.update({"msg": "password changed", "password_changed": True, "password_strength": "strong", "secret_version": R.randint(1, 30)})
        else: base.update({"msg": "upstream slow", "upstream": "payments", "p99_ms": R.randint(100, 9000), "api_key_id": "key_" + rs(24)})
        s = json.dumps(base)
        if i == plant_i:
            s1 = json.dumps(base)[:-1] + ', "authorization": "Bearer '
            doc += [s1, L("JWT", jwt()), '"}\n']
        else:
            doc.append(s + "\n")
    return doc

def py_traceback():
    return ['''[2024-06-03 14:22:05,118] ERROR in app: Exception on /api/v1/sync [POST]
Traceback (most recent call last):
  File "/usr/local/lib/python3.11/site-packages/flask/app.py", line 1463, in wsgi_app
    response = self.full_dispatch_request()
  File "/usr/local/lib/python3.11/site-packages/flask/app.py", line 872, in full_dispatch_request
    rv = self.handle_user_exception(e)
  File "/app/sync/client.py", line 88, in fetch_token
    resp = self.session.post(self.token_url, data={"grant_type": "client_credentials", "client_id": self.client_id, "client_secret": self.client_secret}, timeout=10)
  File "/usr/local/lib/python3.11/site-packages/requests/sessions.py", line 637, in post
    return self.request("POST", url, data=data, json=json, **kwargs)
  File "/usr/local/lib/python3.11/site-packages/requests/adapters.py", line 519, in send
    raise ConnectionError(e, request=request)
requests.exceptions.ConnectionError: HTTPSConnectionPool(host='login.partner.example', port=443): Max retries exceeded with url: /oauth2/v2.0/token (Caused by NewConnectionError('<urllib3.connection.HTTPSConnection object at 0x7f3b2c1d5e10>: Failed to establish a new connection: [Errno 110] Connection timed out'))

During handling of the above exception, another exception occurred:

Traceback (most recent call last):
  File "/app/sync/tasks.py", line 41, in run
    token = client.fetch_token()
  File "/app/sync/client.py", line 95, in fetch_token
    raise TokenError(f"could not obtain token from {self.token_url}") from e
sync.client.TokenError: could not obtain token from https://login.partner.example/oauth2/v2.0/token
KeyError: 'access_token'
''', '''goroutine 1 [running]:
main.(*Server).handleToken(0xc0001a2000, {0x1a2b3c0, 0xc000236000}, 0xc00023e100)
	/src/cmd/api/token.go:142 +0x3a5
net/http.HandlerFunc.ServeHTTP(0xc000120060?, {0x1a2b3c0?, 0xc000236000?}, 0x10?)
	/usr/local/go/src/net/http/server.go:2136 +0x29
net/http.(*ServeMux).ServeHTTP(0x0?, {0x1a2b3c0, 0xc000236000}, 0xc00023e100)
	/usr/local/go/src/net/http/server.go:2514 +0x142
panic: runtime error: invalid memory address or nil pointer dereference [recovered]
[signal SIGSEGV: segmentation violation code=0x1 addr=0x28 pc=0x8f3b21]
''']

def ci_output():
    plant = R.random() < 0.3
    doc = []
    t0 = "2024-06-0%dT10:%02d:" % (R.randint(1, 9), R.randint(0, 59))
    def ln(s): return "%s%02d.%07dZ %s\n" % (t0, R.randint(0, 59), R.randint(0, 9999999), s)
    lines = ["##[group]Run actions/checkout@b4ffde65f46336ab88eb53be808477a3936bae11", "with:", "  repository: acme/api", "  token: ***", "  ssh-strict: true", "##[endgroup]",
             "Syncing repository: acme/api", "[command]/usr/bin/git version", "git version 2.43.2",
             "[command]/usr/bin/git -c protocol.version=2 fetch --no-tags --prune --no-recurse-submodules --depth=1 origin +%s:refs/remotes/origin/main" % sha(),
             "HEAD is now at %s Merge pull request #%d from acme/fix/token-refresh" % (sha()[:7], R.randint(100, 5000)),
             "##[group]Run npm ci", "npm WARN deprecated inflight@1.0.6: This module is not supported, and leaks memory.",
             "added 1287 packages, and audited 1288 packages in 31s", "214 packages are looking for funding", "found 0 vulnerabilities", "##[endgroup]",
             "> api@2.14.3 test", "> jest --coverage --ci",
             "PASS src/auth/token.test.ts (5.412 s)", "  ✓ rejects an expired token (12 ms)", "  ✓ refreshes the token when 60s remain (3 ms)", "  ✓ hashes the password with bcrypt cost 12 (412 ms)",
             "FAIL src/billing/invoice.test.ts", "  ● invoice › totals › rounds VAT to 2 decimals", "    Expected: 1234.57", "    Received: 1234.56",
             "      at Object.<anonymous> (src/billing/invoice.test.ts:48:31)",
             "Test Suites: 1 failed, 41 passed, 42 total", "Tests:       1 failed, 388 passed, 389 total", "Time:        38.914 s",
             "----------|---------|----------|---------|---------|", "File      | % Stmts | % Branch | % Funcs | % Lines |", "All files |   87.31 |    79.12 |   90.04 |   87.55 |",
             "Run docker/login-action@343f7c4344506bcbf9b4de18042ae17996df046d", "Logging into ghcr.io...", "Login Succeeded!",
             "#12 pushing layers 2.1s done", "#12 pushing manifest for ghcr.io/acme/api:2.14.3@sha256:%s 0.4s done" % sha(64),
             "Warning: The `set-output` command is deprecated and will be disabled soon.", "Error: Process completed with exit code 1."]
    for s in lines: doc.append(ln(s))
    if plant:
        doc += [ln("Run ./scripts/smoke.sh").rstrip("\n") + "\n", "%s00.0000000Z + curl -s -H 'Authorization: token " % t0, L("GITHUB_TOKEN", ghp()), "' https://api.github.com/repos/acme/api/releases/latest\n"]
    return doc

def pip_npm_output():
    doc = ["$ pip install -r requirements.txt --require-hashes\n"]
    for pkg, ver in [("requests", "2.31.0"), ("urllib3", "2.2.1"), ("certifi", "2024.2.2"), ("cryptography", "42.0.5"), ("PyJWT", "2.8.0"), ("boto3", "1.34.69"), ("pydantic", "2.6.4")]:
        doc.append("Collecting %s==%s (from -r requirements.txt (line %d))\n  Downloading %s-%s-py3-none-any.whl.metadata (%.1f kB)\n  Downloading %s-%s-py3-none-any.whl (%d kB)\n     ━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━ %d.%d/%d.%d kB %.1f MB/s eta 0:00:00\n" % (
            pkg, ver, R.randint(1, 40), pkg, ver, R.random() * 10, pkg, ver, R.randint(20, 900), R.randint(20, 900), R.randint(0, 9), R.randint(20, 900), R.randint(0, 9), R.random() * 30))
    doc.append("Successfully installed PyJWT-2.8.0 boto3-1.34.69 certifi-2024.2.2 cryptography-42.0.5 pydantic-2.6.4 requests-2.31.0 urllib3-2.2.1\n\n# requirements.txt\n")
    for pkg, ver in [("requests", "2.31.0"), ("urllib3", "2.2.1"), ("PyJWT", "2.8.0")]:
        doc.append("%s==%s \\\n    --hash=sha256:%s \\\n    --hash=sha256:%s\n" % (pkg, ver, sha(64), sha(64)))
    doc.append("\n$ npm install\n")
    doc.append("npm WARN deprecated request@2.88.2: request has been deprecated, see https://github.com/request/request/issues/3142\nnpm WARN deprecated uuid@3.4.0: Please upgrade  to version 7 or higher.\n\nadded 842 packages, and audited 843 packages in 19s\n\n6 vulnerabilities (2 moderate, 4 high)\n\n")
    doc.append("# package-lock.json (excerpt)\n{\n  \"name\": \"web\",\n  \"version\": \"0.9.1\",\n  \"lockfileVersion\": 3,\n  \"packages\": {\n")
    for pkg, ver in [("lodash", "4.17.21"), ("jsonwebtoken", "9.0.2"), ("@babel/core", "7.24.3"), ("ms", "2.1.3"), ("safe-buffer", "5.2.1"), ("token-types", "5.0.1"), ("@aws-sdk/credential-providers", "3.540.0")]:
        doc.append("    \"node_modules/%s\": {\n      \"version\": \"%s\",\n      \"resolved\": \"https://registry.npmjs.org/%s/-/%s-%s.tgz\",\n      \"integrity\": \"sha512-%s==\",\n      \"license\": \"MIT\"\n    },\n" % (
            pkg, ver, pkg, pkg.split("/")[-1], ver, rs(86, B64)))
    doc.append("  }\n}\n")
    return doc

def git_log():
    doc = []
    for _ in range(R.randint(4, 9)):
        n = name()
        doc += ["commit %s\nAuthor: %s <" % (sha(), n), L("EMAIL", email(n)), ">\nDate:   %s Jun %d %02d:%02d:%02d 2024 +0200\n\n    %s\n\n    Reviewed-on: https://gerrit.example.com/c/api/+/%d\n    Change-Id: I%s\n\n" % (
            R.choice(["Mon", "Tue", "Wed", "Thu", "Fri"]), R.randint(1, 28), R.randint(0, 23), R.randint(0, 59), R.randint(0, 59),
            R.choice(["auth: rotate refresh token on use", "fix: don't log the password field", "chore(deps): bump jsonwebtoken from 8.5.1 to 9.0.2", "billing: token bucket for Stripe API", "docs: explain SECRET_KEY rotation"]),
            R.randint(10000, 99999), sha())]
    doc += ["diff --git a/config/settings.yaml b/config/settings.yaml\nindex %s..%s 100644\n--- a/config/settings.yaml\n+++ b/config/settings.yaml\n@@ -12,9 +12,9 @@ server:\n   port: 8080\n   read_timeout: 30s\n auth:\n-  token_ttl: 15m\n+  token_ttl: 10m\n   issuer: https://auth.example.com\n" % (sha()[:7], sha()[:7])]
    if R.random() < 0.4:
        t, v = pref()
        doc += ["-  api_key: ", L(t, v), "\n+  api_key: ${API_KEY}\n"]
    else:
        doc += ["-  password_min_length: 8\n+  password_min_length: 12\n"]
    doc += ["   secret_ref: vault://kv/api/auth\n"]
    return doc

def docker_build():
    doc = ["#0 building with \"default\" instance using docker driver\n\n#1 [internal] load build definition from Dockerfile\n#1 transferring dockerfile: 1.24kB done\n#1 DONE 0.0s\n\n"]
    for i in range(2, R.randint(8, 14)):
        doc.append("#%d [build %d/7] %s\n#%d sha256:%s %.2fMB / %.2fMB %.1fs done\n#%d DONE %.1fs\n\n" % (
            i, i, R.choice(["RUN npm ci", "COPY . .", "RUN npm run build", "FROM docker.io/library/node:20-alpine@sha256:" + sha(64), "RUN apk add --no-cache tini=0.19.0-r2"]),
            i, sha(64), R.random() * 40, R.random() * 40, R.random() * 5, i, R.random() * 30))
    doc.append("#14 exporting to image\n#14 exporting layers 1.2s done\n#14 writing image sha256:%s done\n#14 naming to docker.io/acme/api:2.14.3 done\n#14 DONE 1.3s\n" % sha(64))
    return doc

# ---------------------------------------------------------------- data
def csv_export():
    doc = ["customer_id,name,email,phone,country,signup_date,orders,lifetime_value_eur,last_order_id,zip\n"]
    for _ in range(R.randint(20, 60)):
        n = name()
        row = ["%d,%s," % (R.randint(10**6, 10**7), n)]
        if R.random() < 0.8: row += [L("EMAIL", email(n))]
        row += [","]
        if R.random() < 0.5: row += [L("PHONE", phone())]
        row += [",%s,2023-%02d-%02d,%d,%.2f,ORD-%s,%s\n" % (R.choice(["DE", "US", "FR", "GB"]), R.randint(1, 12), R.randint(1, 28), R.randint(0, 80), R.random() * 9000, d(10), R.choice(["10115", "94107-1234", "75008", "SW1A 1AA"]))]
        doc += row
    return doc

def csv_numbers():
    """Ops export: many long numbers, none of them PII."""
    doc = ["txn_id,created_epoch_us,order_no,amount_cents,sku,tracking,gtin,bank_ref,device_serial\n"]
    for _ in range(R.randint(30, 80)):
        doc.append("%d,%d,%s,%d,SKU-%s-%s,1Z%s%s,%s,%s,%s\n" % (R.randint(1100000000000000000, 1899999999999999999), R.randint(1700000000000000, 1719999999999999), "10" + d(10), R.randint(100, 999999),
                   rs(3, UP), d(4), rs(6, UP + string.digits), d(10), "0" + d(12), "RF" + d(2) + rs(12, UP + string.digits), rs(4, UP) + d(12)))
    return doc

def github_api():
    items = []
    doc = ["[\n"]
    for i in range(R.randint(3, 8)):
        login = R.choice(["octocat", "hubot", "monalisa", "defunkt", "mojombo", "dependabot[bot]"])
        uid = R.randint(1, 9 * 10**7)
        doc.append('''  {
    "id": %d,
    "node_id": "%s",
    "name": "%s",
    "full_name": "acme/%s",
    "private": %s,
    "owner": {
      "login": "%s",
      "id": %d,
      "node_id": "MDQ6VXNlcj%s",
      "avatar_url": "https://avatars.githubusercontent.com/u/%d?v=4",
      "gravatar_id": "",
      "url": "https://api.github.com/users/%s",
      "type": "User",
      "site_admin": false
    },
    "html_url": "https://github.com/acme/%s",
    "description": "Token bucket rate limiter with password-protected admin API",
    "fork": false,
    "created_at": "2019-0%d-1%dT0%d:12:33Z",
    "pushed_at": "%s",
    "git_url": "git://github.com/acme/%s.git",
    "ssh_url": "git@github.com:acme/%s.git",
    "clone_url": "https://github.com/acme/%s.git",
    "size": %d,
    "stargazers_count": %d,
    "language": "Go",
    "default_branch": "main",
    "permissions": {"admin": false, "maintain": false, "push": true, "triage": true, "pull": true},
    "security_and_analysis": {"secret_scanning": {"status": "enabled"}, "secret_scanning_push_protection": {"status": "enabled"}},
    "license": {"key": "mit", "name": "MIT License", "spdx_id": "MIT", "node_id": "MDc6TGljZW5zZTEz"},
    "topics": ["oauth2", "jwt", "tokens", "security"],
    "latest_commit": {"sha": "%s", "tree_sha": "%s", "verification": {"verified": true, "reason": "valid", "signature": "-----BEGIN PGP SIGNATURE-----\\n\\nwsBcBAABCAAQBQJm%s\\n=%s\\n-----END PGP SIGNATURE-----\\n"}}
  }%s
''' % (R.randint(10**8, 8 * 10**8), "R_kgDO" + rs(10, B64U), "repo-%d" % i, "repo-%d" % i, R.choice(["true", "false"]), login, uid, rs(6, ALNUM), uid, login,
       "repo-%d" % i, R.randint(1, 9), R.randint(0, 9), R.randint(0, 9), ts(), "repo-%d" % i, "repo-%d" % i, "repo-%d" % i, R.randint(10, 90000), R.randint(0, 9000),
       sha(), sha(), rs(300, B64), rs(4, B64), "," if True else ""))
    doc[-1] = doc[-1].rstrip().rstrip(",") + "\n"
    doc.append("]\n")
    return doc

def stripe_api():
    cust = "cus_" + rs(14)
    e = email()
    doc = ['''{
  "object": "list",
  "url": "/v1/charges",
  "has_more": true,
  "data": [
''']
    for i in range(R.randint(2, 5)):
        pi = "pi_3" + rs(23)
        doc += ['''    {
      "id": "ch_3%s",
      "object": "charge",
      "amount": %d,
      "amount_captured": %d,
      "balance_transaction": "txn_3%s",
      "billing_details": {
        "address": {"city": "Berlin", "country": "DE", "line1": "Friedrichstra\\u00dfe %d", "postal_code": "10117"},
        "email": "''' % (rs(23), R.randint(100, 99999), R.randint(100, 99999), rs(23), R.randint(1, 200)), L("EMAIL", e), '''",
        "name": "Jenny Rosen",
        "phone": null
      },
      "calculated_statement_descriptor": "ACME*SHOP",
      "captured": true,
      "created": %d,
      "currency": "eur",
      "customer": "%s",
      "livemode": true,
      "metadata": {"order_id": "%s", "cart_token": "%s"},
      "payment_intent": "%s",
      "payment_method": "pm_1%s",
      "payment_method_details": {
        "card": {
          "brand": "visa",
          "checks": {"address_line1_check": "pass", "cvc_check": "pass"},
          "country": "US",
          "exp_month": %d,
          "exp_year": %d,
          "fingerprint": "%s",
          "funding": "credit",
          "last4": "%s",
          "network": "visa",
          "network_transaction_id": "%s"
        },
        "type": "card"
      },
      "receipt_url": "https://pay.stripe.com/receipts/payment/%s",
      "status": "succeeded"
    },
''' % (1718000000 + R.randint(0, 99999), cust, d(10), sha(32), pi, rs(23), R.randint(1, 12), R.randint(2025, 2030), rs(16), d(4), d(15), rs(120, B64U))]
    doc[-1] = doc[-1].rstrip().rstrip(",") + "\n"
    doc.append("  ]\n}\n")
    return doc

def slack_api():
    doc = ['{\n  "ok": true,\n  "messages": [\n']
    n = R.randint(4, 12)
    for i in range(n):
        tsv = "%d.%06d" % (1718000000 + R.randint(0, 999999), R.randint(0, 999999))
        txt = R.choice(["deploy of api 2.14.3 finished in 4m12s :rocket:", "can someone rotate the staging token? it expires 2024-06-30",
                        "p99 latency up to 1.82s on /api/v1/orders since 14:05 UTC", "merged #4412, release notes: https://github.com/acme/api/releases/tag/v2.14.3",
                        "the password reset emails are bouncing for @outlook.com addresses", "order 1000234871 refunded (EUR 129.90), ticket SUP-88123"])
        doc.append('    {\n      "type": "message",\n      "user": "U0%s",\n      "text": "%s",\n      "ts": "%s",\n      "team": "T0%s",\n      "client_msg_id": "%s",\n      "blocks": [{"type": "rich_text", "block_id": "%s", "elements": [{"type": "rich_text_section", "elements": [{"type": "text", "text": "%s"}]}]}],\n      "reactions": [{"name": "eyes", "users": ["U0%s"], "count": 1}]\n    }%s\n' % (
            rs(8, UP + string.digits), txt, tsv, rs(8, UP + string.digits), uuid(), rs(5, ALNUM), txt, rs(8, UP + string.digits), "," if i < n - 1 else ""))
    doc.append('  ],\n  "has_more": false,\n  "pin_count": 2,\n  "response_metadata": {"next_cursor": "%s"}\n}\n' % (b64u(("team:" + rs(9, UP + string.digits)).encode())))
    return doc

def jira_api():
    e = email()
    doc = ['''{
  "expand": "renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations",
  "id": "%d",
  "self": "https://acme.atlassian.net/rest/api/3/issue/%d",
  "key": "SUP-%d",
  "fields": {
    "summary": "Customer cannot reset password - token link expired",
    "issuetype": {"id": "10004", "name": "Bug", "iconUrl": "https://acme.atlassian.net/rest/api/2/universal_avatar/view/type/issuetype/avatar/10303?size=medium"},
    "customfield_10010": {"requestType": {"id": "14", "name": "Account access"}},
    "customfield_10020": [{"id": 412, "name": "Sprint 2024.12", "state": "active", "boardId": 7, "startDate": "2024-06-03T07:00:00.000Z"}],
    "reporter": {
      "accountId": "5b10a2844c20165700ede21g",
      "emailAddress": "''' % (R.randint(10000, 99999), R.randint(10000, 99999), R.randint(1000, 99999)), L("EMAIL", e), '''",
      "displayName": "Support Bot",
      "timeZone": "Europe/Berlin"
    },
    "priority": {"name": "High", "id": "2"},
    "timetracking": {"originalEstimate": "2h", "remainingEstimate": "1h 30m", "timeSpentSeconds": 1800},
    "description": {
      "type": "doc",
      "version": 1,
      "content": [{"type": "paragraph", "content": [{"type": "text", "text": "Customer (order #''' + d(10) + ''', placed 2024-06-01) clicked the reset link at 09:14 and got 'Invalid or expired token'. Token TTL is 3600s; link was used after 26 min. Browser: Chrome 125.0.6422.142 on macOS 14.5. Customer phone on file: '''
           ]
    p = phone()
    doc += [L("PHONE", p), '''. Correlation id '''+ uuid() + '''."}]}]
    },
    "attachment": [{"id": "10%d", "filename": "screenshot-2024-06-03 at 09.15.22.png", "size": %d, "mimeType": "image/png", "content": "https://acme.atlassian.net/rest/api/3/attachment/content/10%d"}],
    "comment": {"total": 2, "comments": [
      {"id": "1%d", "body": "Reproduced on staging with build 2.14.2+sha.%s. The reset token is signed with the old key after rotation.", "created": "2024-06-03T10:02:11.532+0200"},
      {"id": "1%d", "body": "Fixed in 2.14.3, deployed 12:40 CEST.", "created": "2024-06-03T12:44:59.001+0200"}
    ]}
  }
}
''' % (R.randint(1000, 9999), R.randint(1000, 999999), R.randint(1000, 9999), R.randint(10000, 99999), sha()[:8], R.randint(10000, 99999))]
    return doc

def openapi():
    return ['''openapi: 3.0.3
info:
  title: Acme Orders API
  version: 2.14.3
  contact:
    name: API Support
    url: https://developer.example.com/support
servers:
  - url: https://api.example.com/v2
components:
  securitySchemes:
    bearerAuth:
      type: http
      scheme: bearer
      bearerFormat: JWT
    apiKeyAuth:
      type: apiKey
      in: header
      name: X-API-Key
    oauth2:
      type: oauth2
      flows:
        clientCredentials:
          tokenUrl: https://auth.example.com/oauth/token
          scopes:
            orders:read: Read orders
            orders:write: Create and update orders
  schemas:
    TokenRequest:
      type: object
      required: [grant_type, client_id, client_secret]
      properties:
        grant_type:
          type: string
          enum: [client_credentials, refresh_token]
        client_id:
          type: string
          example: orders-sync
        client_secret:
          type: string
          format: password
          writeOnly: true
        refresh_token:
          type: string
    TokenResponse:
      type: object
      properties:
        access_token: { type: string, description: "JWT, valid for expires_in seconds" }
        token_type: { type: string, example: Bearer }
        expires_in: { type: integer, example: 900 }
    PasswordChange:
      type: object
      properties:
        current_password: { type: string, format: password, minLength: 12 }
        new_password: { type: string, format: password, minLength: 12, maxLength: 128 }
    Order:
      type: object
      properties:
        id: { type: string, format: uuid, example: 3fa85f64-5717-4562-b3fc-2c963f66afa6 }
        total: { type: number, format: double, example: 129.9 }
        currency: { type: string, example: EUR }
        created_at: { type: string, format: date-time, example: "2024-06-01T12:00:00Z" }
paths:
  /oauth/token:
    post:
      summary: Obtain an access token
      requestBody:
        content:
          application/x-www-form-urlencoded:
            schema: { $ref: "#/components/schemas/TokenRequest" }
      responses:
        "200": { description: OK, content: { application/json: { schema: { $ref: "#/components/schemas/TokenResponse" } } } }
        "401": { description: Invalid client_id or client_secret }
  /orders/{id}:
    get:
      security: [{ bearerAuth: [] }, { apiKeyAuth: [] }]
      parameters:
        - { name: id, in: path, required: true, schema: { type: string, format: uuid } }
        - { name: X-Request-Id, in: header, schema: { type: string }, example: 7f1c2e9a-8b7d-4e1f-9a0b-1c2d3e4f5a6b }
      responses:
        "200": { description: OK }
        "403": { description: "Token lacks orders:read scope" }
''']

def html_page():
    img = base64.b64encode(bytes(R.randrange(256) for _ in range(R.randint(400, 2000)))).decode()
    return ['''<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="csrf-token" content="''' + rs(40, B64U) + '''">
<title>Sign in · Acme</title>
<link rel="stylesheet" href="/static/css/app.8c1f2e3d.css" integrity="sha384-''' + rs(64, B64) + '''" crossorigin="anonymous">
<script src="https://cdn.jsdelivr.net/npm/bootstrap@5.3.3/dist/js/bootstrap.bundle.min.js" integrity="sha384-YvpcrYf0tY3lHB60NNkmXc5s9fDVZLESaAA55NDzOxhy9GkcIdslK1eN7N6jIeHz" crossorigin="anonymous"></script>
<style>.logo{background:url(data:image/png;base64,''' + img + ''') no-repeat;width:120px;height:32px}.btn-primary{color:#fff;background-color:#0d6efd}</style>
</head>
<body>
<form method="post" action="/login" autocomplete="on">
  <input type="hidden" name="csrfmiddlewaretoken" value="''' + rs(64, ALNUM) + '''">
  <label for="email">Email address</label>
  <input id="email" type="email" name="email" placeholder="''', L("EMAIL", "name@example.com"), '''" required>
  <label for="password">Password</label>
  <input id="password" type="password" name="password" placeholder="Enter your password" minlength="12" required>
  <a href="/password/reset">Forgot your password?</a>
  <button class="btn btn-primary" type="submit">Sign in</button>
</form>
<script>
!function(e){var t={};function n(r){if(t[r])return t[r].exports;var o=t[r]={i:r,l:!1,exports:{}};return e[r].call(o.exports,o,o.exports,n),o.l=!0,o.exports}n.m=e,n.c=t}([function(e,t,n){"use strict";var r=n(1),o=function(e){var t=e.token||"",n=e.password;if(!t)throw new Error("missing token");return r.post("/api/session",{token:t,password:n,remember:!0})};e.exports={login:o,version:"2.14.3",buildHash:"''' + sha(20) + '''"}}]);
window.__APP_CONFIG__={"apiBase":"https://api.example.com","sentryDsn":"https://''' + sha(32) + '''@o''' + d(6) + '''.ingest.sentry.io/''' + d(7) + '''","stripePublishableKey":"pk_live_''' + rs(99) + '''","recaptchaSiteKey":"6Lc''' + rs(37, B64U) + '''","featureFlags":{"passwordless":true,"tokenRefresh":true}};
</script>
<!--# sourceMappingURL=app.8c1f2e3d.js.map -->
</body>
</html>
''']

def pem_public():
    host = R.choice(["github.com", "gitlab.example.com", "bastion.internal"])
    doc = ["$ openssl s_client -connect api.example.com:443 -showcerts </dev/null\nCONNECTED(00000003)\ndepth=2 C = US, O = Internet Security Research Group, CN = ISRG Root X1\nverify return:1\n---\nCertificate chain\n 0 s:CN = api.example.com\n   i:C = US, O = Let's Encrypt, CN = R3\n   a:PKEY: rsaEncryption, 2048 (bit); sigalg: RSA-SHA256\n   v:NotBefore: May  1 08:12:44 2024 GMT; NotAfter: Jul 30 08:12:43 2024 GMT\n",
           pubblock("CERTIFICATE"), "\n 1 s:C = US, O = Let's Encrypt, CN = R3\n", pubblock("CERTIFICATE"),
           "\n---\nServer public key is 2048 bit\nSSL-Session:\n    Protocol  : TLSv1.3\n    Cipher    : TLS_AES_256_GCM_SHA384\n    Session-ID: %s\n    Master-Key: \n    TLS session ticket lifetime hint: 7200 (seconds)\n---\n\n" % sha(64).upper(),
           "$ cat ~/.ssh/known_hosts\n"]
    for _ in range(4):
        doc.append("%s,%s ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI%s\n" % (host, "", rs(43, B64)))
    doc[-4:] = [host + ",", IP(), " ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI" + rs(43, B64) + "\n"] + [ "|1|%s=|%s= ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBB%s=\n" % (rs(27, B64), rs(27, B64), rs(139, B64)) for _ in range(3)]
    doc += ["\n$ cat ~/.ssh/id_ed25519.pub\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI%s deploy@ci-runner-04\n\n$ cat signing_key.pub\n" % rs(43, B64), pubblock("PUBLIC KEY", 6), "\n"]
    if R.random() < 0.35:
        doc += ["\n$ cat ~/.ssh/id_rsa\n", L("PRIVATE_KEY", keyblock(R.choice(["RSA PRIVATE KEY", "OPENSSH PRIVATE KEY", "PRIVATE KEY"]))), "\n"]
    return doc

def jwks():
    keys = []
    for _ in range(R.randint(2, 4)):
        keys.append({"kty": "RSA", "use": "sig", "kid": rs(27, B64U), "x5t": rs(27, B64U), "n": rs(342, B64U), "e": "AQAB", "x5c": [rs(R.randint(900, 1400), B64)], "alg": "RS256", "issuer": "https://login.microsoftonline.com/%s/v2.0" % uuid()})
    disc = {"issuer": "https://auth.example.com/", "authorization_endpoint": "https://auth.example.com/authorize", "token_endpoint": "https://auth.example.com/oauth/token",
            "device_authorization_endpoint": "https://auth.example.com/oauth/device/code", "userinfo_endpoint": "https://auth.example.com/userinfo", "jwks_uri": "https://auth.example.com/.well-known/jwks.json",
            "scopes_supported": ["openid", "profile", "offline_access", "name", "email"], "response_types_supported": ["code", "token", "id_token", "code id_token"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "private_key_jwt"],
            "id_token_signing_alg_values_supported": ["HS256", "RS256", "PS256"], "code_challenge_methods_supported": ["S256", "plain"],
            "claims_supported": ["aud", "auth_time", "created_at", "email", "email_verified", "exp", "family_name", "iat", "iss", "sub"]}
    return [json.dumps({"openid_configuration": disc, "jwks": {"keys": keys}}, indent=2) + "\n"]

def saml():
    return ['''<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://idp.example.com/saml/metadata" validUntil="2025-06-01T00:00:00Z">
  <md:IDPSSODescriptor WantAuthnRequestsSigned="false" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing">
      <ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#">
        <ds:X509Data>
          <ds:X509Certificate>''' + rs(1100, B64) + '''=</ds:X509Certificate>
        </ds:X509Data>
      </ds:KeyInfo>
    </md:KeyDescriptor>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</md:NameIDFormat>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example.com/saml/sso"/>
    <saml:Attribute xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" Name="urn:oid:1.3.6.1.4.1.5923.1.1.1.6" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri" FriendlyName="eduPersonPrincipalName"/>
    <saml:Attribute xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" Name="urn:oid:2.5.4.42" FriendlyName="givenName"/>
    <saml:Attribute xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" Name="urn:oid:0.9.2342.19200300.100.1.3" FriendlyName="mail"/>
  </md:IDPSSODescriptor>
  <ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo><ds:DigestValue>''' + rs(43, B64) + '''=</ds:DigestValue></ds:SignedInfo><ds:SignatureValue>''' + rs(344, B64) + '''</ds:SignatureValue></ds:Signature>
</md:EntityDescriptor>
''']

# ---------------------------------------------------------------- chat / tickets / email
def bad_card():
    while True:
        v = "4" + d(15)
        if not luhn_ok(v): return v
def ticket_thread():
    n1 = name(); e1 = email(n1)
    plant_card = R.random() < 0.25; plant_iban = R.random() < 0.3; plant_ssn = R.random() < 0.15
    doc = ["From: %s <" % n1, L("EMAIL", e1), ">\nTo: support@", "acme-shop.example.com", "\nSubject: Re: [SUP-%d] Order #%s arrived damaged\nDate: Tue, 4 Jun 2024 09:%02d:11 +0200\nMessage-ID: <%s@mail.example.com>\n\n" % (R.randint(10000, 99999), d(9), R.randint(0, 59), uuid())]
    doc[2:5] = [">\nTo: ", L("EMAIL", "support@acme-shop.example.com"), doc[4]]
    body = ["Hi team,\n\nthe package (UPS tracking 1Z%s%s, 3 boxes, 12.4 kg total) arrived on 2024-06-03 with the left box crushed. " % (rs(6, UP + string.digits), d(10)),
            "I ordered 2x ErgoChair Pro (SKU EC-PRO-2024-BLK, EUR 449.00 each) plus the 1.2 m cable tray (EUR 39.90); invoice INV-2024-%06d totals EUR 937.90 incl. 19%% VAT. " % R.randint(1, 999999),
            "The driver scanned it at 14:32, the delivery address is Hauptstraße 12, 10115 Berlin (52.5321, 13.3849).\n\n"]
    doc += body
    if plant_iban:
        v = iban("DE"); v = g4(v) if R.random() < 0.5 else v
        doc += ["For the refund please use my account: ", L("IBAN", v), " (BIC COBADEFFXXX).\n"]
    else:
        doc += ["Please refund to the original payment method (card ending 4242, exp 08/27).\n"]
    if plant_card:
        doc += ["If you need it again, the card was ", L("CREDIT_CARD", card()), ".\n"]
    doc += ["You can reach me on ", L("PHONE", phone()), " between 9 and 17h.\n\nThanks,\n%s\n\n" % n1]
    doc += ["On Mon, 3 Jun 2024 at 16:02, Acme Support <", L("EMAIL", "support@acme-shop.example.com"), "> wrote:\n",
            "> Hello %s,\n> thanks for your order 4000-1234-5678-9010 (ref. %s). Your parcel left our warehouse in Kassel on 2024-05-31 and is expected\n" % (n1.split()[0], d(12)),
            "> between 03.06. and 05.06.2024. Version 2.3.1 of our app shows live tracking. Return label RMA-%s-%s attached (PDF, 84 KB).\n" % (d(4), d(6)),
            "> Our hotline is open Mon-Fri 08:00-18:00 CET. Case no. %s-%s-%s.\n> Kind regards, Jonas (Agent #%d)\n" % (d(3), d(2), d(4)) if False else "> Our hotline is open Mon-Fri 08:00-18:00 CET. Case no. SO-%s-%s.\n> Kind regards, Jonas (Agent #%d)\n" % (d(3), d(6), R.randint(100, 999))]
    if plant_ssn:
        doc += ["\n[internal note] W-9 on file for the vendor account, SSN ", L("US_SSN", ssn()), " verified by finance.\n"]
    doc += ["\n-- \nAcme GmbH · Amtsgericht Kassel HRB %d · USt-IdNr. DE%s · IBAN-Nr. for invoices on request\n" % (R.randint(1000, 99999), d(9))]
    return doc

def chat_numbers():
    lines = ["[09:02] mei: standup — api p95 is 412 ms (was 380), error rate 0.21%, 3 deploys yesterday (2.14.1, 2.14.2, 2.14.3)",
             "[09:03] omar: db CPU peaked at 87.5% at 02:14 UTC, vacuum on orders (48,213,907 rows) took 1h12m",
             "[09:04] luis: customer 1002934 disputed charge ch_3%s for EUR 1,249.00, chargeback id dp_1%s" % (rs(23), rs(23)),
             "[09:05] priya: the new card fingerprint check rejects 4111 1111 1111 1112 (bad luhn) correctly, and order 4532-0151-2830-0367 is not a card (internal ref)",
             "[09:06] ivan: coordinates for the new DC are 50.1109, 8.6821; rack B-12-07, PDU 3, circuit 16A",
             "[09:07] sven: IBAN check on the vendor form accepts DE89 3704 0044 0532 0130 01 (bad checksum) — bug SUP-4412",
             "[09:08] elif: rolled back to build 20240603.4 (commit %s), timestamps 1717405200 to 1717408800 affected" % sha()[:10],
             "[09:09] hana: invoice totals 2,430.50 + 19% = 2,892.30; PO 4500012345, cost centre 4711-200",
             "[09:10] tariq: UPS 1Z999AA10123456784, FedEx 7749 8123 4567, DHL JJD000390007123456789",
             ["[09:11] nadia: k8s 1.29.4 upgrade done, nodes ", IP("10.0.12.0"), "/22, pod CIDR ", IP("fd00:10:244::"), "/56"],
             "[09:12] ben: ISBN 978-3-16-148410-0 for the handbook, ZIP 94107-1234, tel. ext. 4471",
             "[09:13] chiara: the token bucket is 120 req/min per api key, burst 40; max_tokens for the summariser is 4096",
             "[09:14] gustavo: reminder, never paste real passwords here; use the vault link https://vault.internal/ui/vault/secrets/kv/show/api",
             "[09:15] keiko: temperature 21.5°C, humidity 44%, firmware 3.2.11-rc2, serial SN-2024-000481-7"]
    R.shuffle(lines)
    doc = []
    for l in lines: doc += (l if isinstance(l, list) else [l]) + ["\n"]
    if R.random() < 0.5:
        n = name()
        doc.insert(R.randrange(len(doc)), "[09:16] rosa: new contractor is %s, reach her at " % n)
        i = doc.index("[09:16] rosa: new contractor is %s, reach her at " % n)
        doc[i + 1:i + 1] = [L("EMAIL", email(n)), " or ", L("PHONE", phone()), "\n"]
    return doc

def env_example():
    """.env.example style: all placeholders; occasionally one real line appended."""
    doc = ['''# .env.example - copy to .env and fill in
NODE_ENV=development
PORT=3000
DATABASE_URL=postgres://app:app@localhost:5432/app_dev
REDIS_URL=redis://localhost:6379/0
JWT_SECRET=change-me-in-production
SESSION_SECRET=<generate with: openssl rand -hex 32>
STRIPE_SECRET_KEY=sk_test_...
STRIPE_PUBLISHABLE_KEY=pk_test_TYooMQauvdEDq54NiTphI7jx
STRIPE_WEBHOOK_SECRET=whsec_...
GITHUB_CLIENT_ID=Iv1.0123456789abcdef
GITHUB_CLIENT_SECRET=
OPENAI_API_KEY=sk-...
SENTRY_DSN=https://examplePublicKey@o0.ingest.sentry.io/0
SMTP_PASSWORD=your-smtp-password
AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE
AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
PASSWORD_MIN_LENGTH=12
TOKEN_TTL_SECONDS=900
MAX_TOKENS=4096
ADMIN_EMAIL=admin@localhost
''']
    return doc


def ts_nest():
    return ['''// src/auth/auth.service.ts
import { Injectable, UnauthorizedException } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { JwtService } from '@nestjs/jwt';
import * as bcrypt from 'bcrypt';
import { z } from 'zod';

export const LoginSchema = z.object({
  email: z.string().email(),
  password: z.string().min(12).max(128),
  otp: z.string().length(6).optional(),
});

export interface TokenPair { accessToken: string; refreshToken: string; expiresIn: number }

@Injectable()
export class AuthService {
  constructor(
    private readonly users: UsersService,
    private readonly jwt: JwtService,
    private readonly apiKey: ConfigService,
  ) {}

  async validateUser(email: string, password: string): Promise<User | null> {
    const user = await this.users.findByEmail(email);
    if (!user) return null;
    const ok = await bcrypt.compare(password, user.passwordHash);
    return ok ? user : null;
  }

  async login(user: User): Promise<TokenPair> {
    const payload = { sub: user.id, email: user.email, roles: user.roles };
    const accessToken = await this.jwt.signAsync(payload, { expiresIn: '15m' });
    const refreshToken = await this.jwt.signAsync({ sub: user.id }, { expiresIn: '30d', secret: this.refreshSecret });
    await this.users.update(user.id, { refreshTokenHash: await bcrypt.hash(refreshToken, 10) });
    return { accessToken, refreshToken, expiresIn: 900 };
  }

  async changePassword(userId: string, currentPassword: string, newPassword: string) {
    const user = await this.users.findById(userId);
    if (!(await bcrypt.compare(currentPassword, user.passwordHash))) {
      throw new UnauthorizedException('Current password is incorrect');
    }
    const passwordHash = await bcrypt.hash(newPassword, 12);
    return this.users.update(userId, { passwordHash, passwordChangedAt: new Date() });
  }

  async rotate(oldToken: string) {
    const claims = await this.jwt.verifyAsync(oldToken, { secret: this.refreshSecret });
    const session = await this.sessions.find(claims.sid);
    return this.sessions.save({ ...session, token: newSessionToken, previousToken: oldToken });
  }
}

// src/auth/jwt.strategy.ts
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy) {
  constructor(config: ConfigService) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      ignoreExpiration: false,
      secretOrKey: config.get<string>('JWT_SECRET'),
    });
  }
}

// src/users/users.controller.ts
@Post('invite')
async invite(@Body() dto: InviteDto) {
  const inviteToken = randomBytes(32).toString('hex');
  await this.mail.send({ to: dto.email, template: 'invite', context: { token: inviteToken, password: temporaryPassword } });
  return { invited: true };
}
''']

def py_sdk():
    return ['''"""acme_sdk.client - thin wrapper around the Acme REST API."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Annotated, Optional

import httpx
from fastapi import Depends, FastAPI, Header, HTTPException
from fastapi.security import OAuth2PasswordBearer
from pydantic import BaseModel, Field, SecretStr

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/auth/token")


class Settings(BaseModel):
    api_key: Optional[str] = None
    password: SecretStr = Field(..., min_length=12)
    token_url: str = "https://auth.example.com/oauth/token"
    timeout: float = 10.0


@dataclass
class Client:
    base_url: str
    api_key: str
    secret: str = ""
    session: httpx.Client = field(default_factory=httpx.Client)

    @classmethod
    def from_env(cls) -> "Client":
        api_key = os.environ["ACME_API_KEY"]
        client_secret = os.environ.get("ACME_CLIENT_SECRET", "")
        return cls(base_url="https://api.example.com", api_key=api_key, secret=client_secret)

    def _headers(self, access_token: str | None = None) -> dict[str, str]:
        token = access_token or self.api_key
        return {"Authorization": f"Bearer {token}", "User-Agent": "acme-sdk/1.8.2"}

    def exchange(self, code: str, verifier: str) -> dict:
        resp = self.session.post(
            f"{self.base_url}/oauth/token",
            data={"grant_type": "authorization_code", "code": code, "code_verifier": verifier},
            auth=(self.api_key, self.secret),
        )
        resp.raise_for_status()
        body = resp.json()
        self.token = body["access_token"]
        self.refresh = body.get("refresh_token")
        return body

    def refresh_token(self, refresh_token: str) -> str:
        self.token = self._refresh(refresh_token=refresh_token, secret=self.secret)
        return self.token


app = FastAPI()


@app.get("/me")
async def me(token: Annotated[str, Depends(oauth2_scheme)]):
    user = await decode(token)
    if user is None:
        raise HTTPException(status_code=401, detail="Invalid authentication credentials", headers={"WWW-Authenticate": "Bearer"})
    return user


@app.post("/webhooks/stripe")
async def stripe_webhook(payload: bytes, stripe_signature: str = Header(...)):
    secret = os.environ.get("STRIPE_WEBHOOK_SECRET", "")
    event = stripe.Webhook.construct_event(payload, stripe_signature, secret)
    return {"received": True, "type": event["type"]}
''']

def csharp_program():
    return ['''// Program.cs
var builder = WebApplication.CreateBuilder(args);

builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme)
    .AddJwtBearer(options =>
    {
        options.Authority = builder.Configuration["Auth:Authority"];
        options.Audience = builder.Configuration["Auth:Audience"];
        options.TokenValidationParameters = new TokenValidationParameters
        {
            ValidateIssuerSigningKey = true,
            IssuerSigningKey = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(builder.Configuration["Jwt:Key"]!)),
        };
    })
    .AddOpenIdConnect("oidc", options =>
    {
        options.ClientId = builder.Configuration["Auth:ClientId"];
        options.ClientSecret = builder.Configuration["Auth:ClientSecret"];
        options.ResponseType = "code";
        options.SaveTokens = true;
    });

builder.Services.Configure<IdentityOptions>(options =>
{
    options.Password.RequireDigit = true;
    options.Password.RequiredLength = 12;
    options.Password.RequireNonAlphanumeric = true;
    options.Lockout.MaxFailedAccessAttempts = 5;
});

var app = builder.Build();

app.MapPost("/account/register", async (RegisterRequest req, UserManager<AppUser> users) =>
{
    var user = new AppUser { UserName = req.Email, Email = req.Email };
    var result = await users.CreateAsync(user, req.Password);
    return result.Succeeded ? Results.Ok() : Results.ValidationProblem(result.Errors.ToDictionary(e => e.Code, e => new[] { e.Description }));
});

app.MapPost("/account/reset", async (ResetRequest req, UserManager<AppUser> users) =>
{
    var user = await users.FindByEmailAsync(req.Email);
    var token = await users.GeneratePasswordResetTokenAsync(user!);
    var reset = new ResetPasswordModel { Token = token, Password = req.NewPassword, ConfirmPassword = req.NewPassword };
    return Results.Accepted();
});

app.Run();
''']

def k8s_secret_dump():
    pw = pwu(24)
    plant = R.random() < 0.5
    doc = ['''$ kubectl get secret -n prod -o yaml
apiVersion: v1
items:
- apiVersion: v1
  kind: Secret
  metadata:
    name: api-tls
    namespace: prod
    annotations:
      cert-manager.io/certificate-name: api-tls
      cert-manager.io/issuer-name: letsencrypt-prod
  type: kubernetes.io/tls
  data:
    tls.crt: ''' + base64.b64encode(pubblock("CERTIFICATE", 10).encode()).decode() + '''
- apiVersion: v1
  kind: Secret
  metadata:
    name: default-token-x7k2p
    annotations:
      kubernetes.io/service-account.name: default
      kubernetes.io/service-account.uid: ''' + uuid() + '''
  type: kubernetes.io/service-account-token
  data:
    ca.crt: ''' + base64.b64encode(pubblock("CERTIFICATE", 6).encode()).decode() + '''
    namespace: cHJvZA==
- apiVersion: v1
  kind: Secret
  metadata:
    name: api-postgresql
    labels:
      app.kubernetes.io/managed-by: Helm
  type: Opaque
  data:
''']
    if plant:
        doc += ["    password: ", L("GENERIC_SECRET", base64.b64encode(pw.encode()).decode()), "\n"]
    else:
        doc += ["    username: YXBp\n"]
    doc += ["kind: List\nmetadata:\n  resourceVersion: \"\"\n"]
    return doc

# ---------------------------------------------------------------- ambiguous-but-common shapes (tagged amb-*)
def amb_shapes():
    out = []
    out.append(("amb-fixture-pw", ['    user = User.objects.create_user(username="bob", password="password123")\n']))
    out.append(("amb-fixture-pw2", ['  it("rejects weak passwords", () => {\n    expect(validate({ password: "Password1!" })).toBe(false);\n  });\n']))
    out.append(("amb-stripe-cs", ['{"id": "pi_3Mtw', rs(20), '", "object": "payment_intent", "amount": 2000, "client_secret": "pi_3Mtw', rs(20), '_secret_', rs(25), '", "status": "requires_payment_method"}\n']))
    out.append(("amb-bcrypt", ["UPDATE users SET password_hash = '$2b$12$", rs(53, ALNUM + "./"), "' WHERE id = 42;\n"]))
    out.append(("amb-connstr", ['"ConnectionStrings": {"Default": "Server=sql.internal;Database=shop;User Id=shop;Password=', L("GENERIC_SECRET", pwu(20)), ';Encrypt=True"}\n']))
    out.append(("amb-example-spec", ['        client_secret:\n          type: string\n          example: "', rs(32, ALNUM), '"\n']))
    out.append(("amb-csrf", ['<meta name="csrf-token" content="', rs(40, B64U), '">\n']))
    out.append(("amb-loopback", ["server listening on http://", IP("127.0.0.1"), ":8080 and ", IP("0.0.0.0"), ":9090\n"]))
    return out

# ---------------------------------------------------------------- assemble
def minimal_records():
    """Short shapes lifted from the long docs (to isolate causes)."""
    out = []
    out.append(("min-go-struct", ['\tPassword string `json:"password"`\n\tAPIKey   string `json:"api_key,omitempty" yaml:"api_key"`\n']))
    out.append(("min-ansible-vault", ["vault_app_db_password: !vault |\n          $ANSIBLE_VAULT;1.1;AES256\n          " + rs(80, HEX) + "\n          " + rs(80, HEX) + "\n"]))
    out.append(("min-helm-ref", ["  existingSecretPasswordKey: password\n  jwtSecretName: api-jwt\n  password: \"\"\n"]))
    out.append(("min-gha-secret", ["          password: ${{ secrets.GITHUB_TOKEN }}\n          JWT_SECRET: test-only-secret\n"]))
    out.append(("min-token-url", ['{"token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"]}\n']))
    out.append(("min-idem-token", ['{"request": {"idempotency_token": "', uuid(), '", "amount": 1299}}\n']))
    out.append(("min-auth-path", ['var authority = builder.Configuration["Auth:Authority"];\n']))
    out.append(("min-kwargs", ['        return cls(base_url=base, api_key=api_key, secret=client_secret)\n']))
    out.append(("min-ts-type", ['  constructor(private readonly apiKey: ConfigService) {}\n']))
    return out

T = [(django_settings, 8), (py_views, 6), (express, 8), (go_src, 7), (spring, 7), (java_trace, 4), (csharp, 6), (rust_src, 4), (terraform, 7), (ansible, 5),
     (helm, 6), (gha, 5), (dockerfile, 4), (makefile, 3), (shell_script, 6), (sql_migration, 4), (notebook, 6), (nginx_log, 8), (apache_log, 4),
     (k8s_events, 5), (json_logs, 8), (py_traceback, 3), (ci_output, 6), (pip_npm_output, 4), (git_log, 7), (docker_build, 3), (csv_export, 5),
     (csv_numbers, 4), (github_api, 4), (stripe_api, 5), (slack_api, 4), (jira_api, 5), (openapi, 3), (html_page, 4), (pem_public, 6), (jwks, 3), (saml, 3),
     (ticket_thread, 8), (chat_numbers, 6), (env_example, 2), (ts_nest, 4), (py_sdk, 4), (csharp_program, 3), (k8s_secret_dump, 4)]
for fn, n in T:
    for k in range(n):
        doc = fn()
        if fn not in (notebook, jwks, github_api, stripe_api, slack_api, jira_api):
            doc = maybe_wrap(doc)
        add(doc, fn.__name__ + ("-mcp" if doc and isinstance(doc[0], str) and doc[0].startswith('{"jsonrpc"') else ""))
for tag, doc in amb_shapes() + minimal_records():
    add(doc, tag)

for r in RECS:
    print(json.dumps(r, ensure_ascii=False))
