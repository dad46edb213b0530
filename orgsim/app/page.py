"""The module `solara run` serves for `orgsim app`: the page is `orgsim.app.components.Page`."""

from orgsim.app.components import Page

__all__ = ["Page"]
