// The OpenID provider pulseline's sign-in tests run against: the npm package
// `oidc-provider` (a certified implementation) with a small configuration, on 127.0.0.1.
//
//   node provider.mjs <modules dir> <redirect uri>
//
// <modules dir> holds node_modules with oidc-provider (installed from package.json
// beside this file). Prints `port <n>` when it listens. Accounts (their ids are the
// login names of the provider's own sign-in form) are fixed below.
//
// A test may interpose an attacker on the token endpoint: GET /__test/tamper?mode=M
// rewrites the next ID tokens the endpoint answers with, re-signed with the provider's
// own key (or not at all for `signature`): `audience`, `expired`, `future`, `nonce`,
// `issuer`, `signature`, or `none` to stop.

import crypto from 'node:crypto';
import net from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [modulesDir, redirectUri] = process.argv.slice(2);
if (!modulesDir || !redirectUri) {
  console.error('usage: node provider.mjs <modules dir> <redirect uri>');
  process.exit(2);
}
const entry = path.join(modulesDir, 'node_modules', 'oidc-provider', 'lib', 'index.js');
const { default: Provider } = await import(pathToFileURL(entry).href);

const accounts = {
  alice: { email: 'alice@example.test', email_verified: true, name: 'Alice Example' },
  alicecase: { email: 'ALICE@Example.TEST', email_verified: true, name: 'Alice Upper' },
  bob: { email: 'bob@example.test', email_verified: false, name: 'Bob Unverified' },
  carol: { email: 'carol@elsewhere.test', email_verified: true, name: 'Carol Elsewhere' },
  dave: { email: 'dave@example.test', email_verified: true, name: 'Dave Newcomer' },
  erin: { email: 'erin@example.test', email_verified: true, name: 'Erin Deactivated' },
  admin: { email: 'admin@example.test', email_verified: true, name: 'Admin' },
};

const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'test-key', alg: 'RS256', use: 'sig' };

let tamper = 'none';

// The issuer names its port, so the port is chosen before the provider is made.
const port = await new Promise((resolve, reject) => {
  const probe = net.createServer();
  probe.once('error', reject);
  probe.listen(0, '127.0.0.1', () => {
    const { port: p } = probe.address();
    probe.close(() => resolve(p));
  });
});

const b64 = (buf) => Buffer.from(buf).toString('base64url');
function rewrite(idToken) {
  const [h, p] = idToken.split('.');
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
  const now = Math.floor(Date.now() / 1000);
  switch (tamper) {
    case 'audience': claims.aud = 'someone-else'; break;
    case 'expired': claims.iat = now - 7200; claims.exp = now - 3600; break;
    case 'future': claims.iat = now + 3600; claims.exp = now + 7200; break;
    case 'nonce': claims.nonce = 'not-the-nonce'; break;
    case 'issuer': claims.iss = 'http://127.0.0.1:1/elsewhere'; break;
    default: break;
  }
  const payload = b64(JSON.stringify(claims));
  if (tamper === 'signature') {
    // The claims are changed after signing: the signature no longer fits.
    claims.email = 'mallory@example.test';
    const [, , sig] = idToken.split('.');
    return `${h}.${b64(JSON.stringify(claims))}.${sig}`;
  }
  const sig = crypto.sign('sha256', Buffer.from(`${h}.${payload}`), privateKey);
  return `${h}.${payload}.${b64(sig)}`;
}

const provider = new Provider(`http://127.0.0.1:${port}`, {
  clients: [{
    client_id: 'pulseline',
    client_secret: 'pulseline-test-client-secret-0123456789',
    redirect_uris: [redirectUri],
    response_types: ['code'],
    grant_types: ['authorization_code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  jwks: { keys: [jwk] },
  pkce: { required: () => true },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  conformIdTokenClaims: false,
  features: { devInteractions: { enabled: true } },
  cookies: { keys: ['pulseline-test-cookie-key'] },
  async findAccount(ctx, id) {
    const a = accounts[id];
    if (!a) return undefined;
    return { accountId: id, async claims() { return { sub: id, ...a }; } };
  },
  // First-party client: no consent screen.
  async loadExistingGrant(ctx) {
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid email profile');
    await grant.save();
    return grant;
  },
});

provider.use(async (ctx, next) => {
  if (ctx.path === '/__test/tamper') {
    tamper = String(ctx.query.mode || 'none');
    ctx.body = { tamper };
    return;
  }
  await next();
  if (ctx.path === '/token' && ctx.status === 200 && tamper !== 'none' && ctx.body?.id_token) {
    ctx.body = { ...ctx.body, id_token: rewrite(ctx.body.id_token) };
  }
});

provider.listen(port, '127.0.0.1', () => {
  console.log(`port ${port}`);
  // The test reads one line and closes its end: everything else goes to stderr.
  process.stdout.on('error', () => {});
  console.log = console.error;
  console.info = console.error;
});
