#!/usr/bin/env python3
"""Schema for the memory benchmark: orders from N distinct users, drawn
uniformly so every window sees (nearly) all N group keys."""
import json
import sys

n = int(sys.argv[1])
print(json.dumps({
    "name": f"users-{n}",
    "fields": [
        {"name": "user", "type": "string", "pattern": "user-{}", "dist": f"uniform(1, {n})"},
        {"name": "price", "type": "float", "decimals": 2, "dist": "normal(50, 15)", "min": 1},
        {"name": "quantity", "type": "int", "dist": "uniform(1, 5)"},
    ]}, indent=1))
