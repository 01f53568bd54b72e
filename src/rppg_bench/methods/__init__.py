"""rPPG methods, reached by name through ``methods.registry``."""
