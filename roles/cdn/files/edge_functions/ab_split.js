// ab_split (viewer-request, cloudfront-js-2.0)
// A sticky A/B split. A viewer whose COOKIE names a known variant keeps it. Any other viewer is
// assigned one by a hash of its address and user agent (the same viewer lands in the same variant
// until the cookie is set, even across parallel first requests): SHARE_B percent get "b".
// The origin sees the variant in the cookie and in x-meridian-variant; x-meridian-variant-new:
// true asks it to set the cookie (Set-Cookie: COOKIE=<variant>; Path=/; Secure; SameSite=Lax),
// as a viewer-request function cannot answer with the origin's response.
// If the variant changes what is served, the behaviour's cache policy must include COOKIE.

const crypto = require('crypto');
const COOKIE = 'meridian-ab';
const VARIANTS = ['a', 'b'];
const SHARE_B = 50;

function handler(event) {
  const request = event.request;
  const cookie = request.cookies[COOKIE];
  let variant = cookie && VARIANTS.indexOf(cookie.value) >= 0 ? cookie.value : '';
  if (!variant) {
    const agent = request.headers['user-agent'] ? request.headers['user-agent'].value : '';
    const digest = crypto.createHash('sha256').update(event.viewer.ip + '|' + agent).digest('hex');
    variant = parseInt(digest.slice(0, 8), 16) % 100 < SHARE_B ? 'b' : 'a';
    request.cookies[COOKIE] = { value: variant };
    request.headers['x-meridian-variant-new'] = { value: 'true' };
  }
  request.headers['x-meridian-variant'] = { value: variant };
  return request;
}
