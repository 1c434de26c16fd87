"""Test suite of activation-bench."""
