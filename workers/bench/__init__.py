"""`dcs bench`: what the service costs next to the Kafka client it is built on.

Absolute messages per second mean little on a shared two-core machine, so every number is
reported next to a raw aiokafka loop over the same broker, the same partitions and the same
payload bytes, measured in the same run: the ratio survives noise that the absolute rate does
not. See docs/bench.md for what each number means and the targets.
"""
