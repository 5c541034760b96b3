// security_headers (viewer-response, cloudfront-js-2.0)
// Security headers on every response CloudFront sends, and a right Vary on negotiated images.
// - HSTS (two years, subdomains, preload list), nosniff, frame denial and the referrer policy are
//   always set: the origin cannot weaken them.
// - The Content-Security-Policy below is the default; a response that carries its own (a page
//   that needs another policy) keeps it.
// - Under IMAGE_PREFIX the image_format function serves AVIF or WebP by the request's Accept
//   header, so the response varies by Accept: "Accept" is added to Vary (once, beside what the
//   origin lists; never beside "*").
// CloudFront does not run viewer-response functions on origin errors (status 400 and above).

var ALWAYS = {
  'strict-transport-security': 'max-age=63072000; includeSubDomains; preload',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'strict-origin-when-cross-origin'
};
var DEFAULT_CSP = "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; " +
  "form-action 'self'; frame-ancestors 'none'; upgrade-insecure-requests";
var IMAGE_PREFIX = '/img/';

function headerValues(header) {
  if (!header) {
    return [];
  }
  if (header.multiValue && header.multiValue.length) {
    return header.multiValue.map(function (item) { return item.value; });
  }
  return [header.value];
}

function addVary(headers, name) {
  var parts = [];
  headerValues(headers.vary).forEach(function (value) {
    String(value).split(',').forEach(function (part) {
      part = part.trim();
      if (part) {
        parts.push(part);
      }
    });
  });
  var wanted = name.toLowerCase();
  if (parts.some(function (part) { return part === '*' || part.toLowerCase() === wanted; })) {
    return;
  }
  parts.push(name);
  var joined = parts.join(', ');
  headers.vary = headers.vary && headers.vary.multiValue
    ? { value: joined, multiValue: [{ value: joined }] }
    : { value: joined };
}

function handler(event) {
  var response = event.response;
  var headers = response.headers;
  Object.keys(ALWAYS).forEach(function (name) {
    headers[name] = { value: ALWAYS[name] };
  });
  if (!headers['content-security-policy']) {
    headers['content-security-policy'] = { value: DEFAULT_CSP };
  }
  if (event.request.uri.indexOf(IMAGE_PREFIX) === 0) {
    addVary(headers, 'Accept');
  }
  return response;
}
