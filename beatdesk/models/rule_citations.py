"""The department's own directive and section for each check rule."""
