"""ketacare: software that runs a ketamine therapy clinic."""
