"""Whole data sets made by the product: the 大塘街道 demo and synthetic cities for benchmarks."""
