"""The browser view (``make app``): the side-by-side page, the single view, their models and map."""
