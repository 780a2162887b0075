"""Python detectors for geofence, fingerprint, obfuscated data and watermarks over the stdlib ``ast``."""
