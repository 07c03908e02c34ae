"""The rules, one module per family; each rule is a function registered with what it reads
(see `registry`). Importing this package registers them all."""

from . import chains, cost, directives, images, order, prompts, scenes, suppression, timing

__all__ = ["chains", "cost", "directives", "images", "order", "prompts", "scenes", "suppression", "timing"]
