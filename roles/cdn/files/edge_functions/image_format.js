// image_format (viewer-request, cloudfront-js-2.0)
// Serve the AVIF or WebP variant of a JPEG or PNG under IMAGE_PREFIX when the browser accepts it:
// /img/hero.jpg becomes /img/hero.avif (Accept names image/avif) or /img/hero.webp (image/webp),
// else stays. Only types named explicitly count (image/* and */* do not, as browsers without AVIF
// send them too); a type with q=0 is refused. The image pipeline publishes both variants beside
// every original.
// The rewritten URI is the cache key, so each variant is cached apart; the Accept header sent on
// is the chosen type alone. The response must vary by Accept for caches after CloudFront: the
// security_headers function (viewer-response) adds it under the same prefix.

var IMAGE_PREFIX = '/img/';
var SOURCE = /^(.+)\.(jpe?g|png)$/i;
var PREFERENCE = ['avif', 'webp'];

function acceptHeader(headers) {
  var header = headers.accept;
  if (!header) {
    return '';
  }
  if (header.multiValue && header.multiValue.length) {
    return header.multiValue.map(function (item) { return item.value; }).join(',');
  }
  return header.value;
}

function accepts(accept, type) {
  return accept.split(',').some(function (entry) {
    var params = entry.split(';');
    if (params[0].trim().toLowerCase() !== type) {
      return false;
    }
    for (var i = 1; i < params.length; i++) {
      var kv = params[i].split('=');
      if (kv[0].trim().toLowerCase() === 'q' && !(parseFloat(kv[1]) > 0)) {
        return false;
      }
    }
    return true;
  });
}

function handler(event) {
  var request = event.request;
  var uri = request.uri;
  if (uri.indexOf(IMAGE_PREFIX) !== 0) {
    return request;
  }
  var match = SOURCE.exec(uri);
  if (!match) {
    return request;
  }
  var accept = acceptHeader(request.headers);
  for (var i = 0; i < PREFERENCE.length; i++) {
    if (accepts(accept, 'image/' + PREFERENCE[i])) {
      request.uri = match[1] + '.' + PREFERENCE[i];
      request.headers.accept = { value: 'image/' + PREFERENCE[i] };
      break;
    }
  }
  return request;
}
