"""Registered department devices and representatives' duty hours."""
