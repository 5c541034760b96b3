"""Pure code of the edge functions: the runtime check of a CloudFront function's code, the comparison
of a function's output with its tests' expectations, and the residency mapping kept in a KeyValueStore."""
