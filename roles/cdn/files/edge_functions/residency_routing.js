import cf from 'cloudfront';
// residency_routing (viewer-request, cloudfront-js-2.0, with a key value store)
// Send each request to a region its data class allows for the viewer's country.
// The key value store holds the map the edge_residency_map filter computes from the collection's
// residency policy: "<data_class>:<CC>" -> region, and "origin:<region>" -> that region's origin
// domain name. The map changes without a new function: update the store.
// - The data class comes from the path (CLASS_BY_PREFIX, first match; else DEFAULT_CLASS).
// - The country is CloudFront's cloudfront-viewer-country header (the behaviour's cache or origin
//   request policy must include CloudFront-Viewer-Country for the header to reach the function).
// - No region for the pair (the policy allows none of the estate's regions, or the country is
//   unknown): 451, nothing is sent to an origin.
// - A region without an origin in the store: 503, for the same reason.
// - Otherwise the origin becomes the region's (cf.updateRequestOrigin) and the origin is told the
//   decision in x-meridian-region and x-meridian-data-class.

const kvs = cf.kvs();
const CLASS_BY_PREFIX = [
  ['/api/payments/', 'payment'],
  ['/api/accounts/', 'pii'],
  ['/api/profiles/', 'pii'],
  ['/api/content/', 'content_metadata']
];
const DEFAULT_CLASS = 'operational';

function dataClassOf(uri) {
  for (let i = 0; i < CLASS_BY_PREFIX.length; i++) {
    if (uri.indexOf(CLASS_BY_PREFIX[i][0]) === 0) {
      return CLASS_BY_PREFIX[i][1];
    }
  }
  return DEFAULT_CLASS;
}

async function lookup(key) {
  try {
    return await kvs.get(key);
  } catch (err) {
    return null;
  }
}

function refuse(statusCode, statusDescription, text) {
  return {
    statusCode: statusCode,
    statusDescription: statusDescription,
    headers: {
      'content-type': { value: 'text/plain; charset=utf-8' },
      'cache-control': { value: 'no-store' }
    },
    body: { encoding: 'text', data: text + '\n' }
  };
}

async function handler(event) {
  const request = event.request;
  const dataClass = dataClassOf(request.uri);
  const header = request.headers['cloudfront-viewer-country'];
  const country = header && /^[A-Za-z]{2}$/.test(header.value) ? header.value.toUpperCase() : '';
  const region = country ? await lookup(dataClass + ':' + country) : null;
  if (!region) {
    return refuse(451, 'Unavailable For Legal Reasons',
      'No region of this service may hold ' + dataClass + ' data for viewers in ' + (country || 'an unknown country') + '.');
  }
  const origin = await lookup('origin:' + region);
  if (!origin) {
    return refuse(503, 'Service Unavailable', 'Region ' + region + ' has no origin configured.');
  }
  cf.updateRequestOrigin({ domainName: origin });
  request.headers['x-meridian-region'] = { value: region };
  request.headers['x-meridian-data-class'] = { value: dataClass };
  return request;
}
