"""The disaster-recovery drill (pure): phase timings, RPO/RTO, evaluation, reports and the Route 53 failover answer."""
