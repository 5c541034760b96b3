"""Pure plans for AWS resources: the regional stack's shapes (services, listeners, CloudFront), flow logs, S3 replication."""
