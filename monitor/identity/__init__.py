"""Identity: when two things are one item or one story. Pure.

fingerprint   canonical URLs, document keys (link, else guid, else a hash), text hashes
neardup       MinHash signatures and LSH band keys for near-identical texts
"""
