"""Edge functions (pure): the CloudFront Functions runtime check, the comparison of a function's output with its
tests, and the residency routing map its key value store holds."""
