"""In-process stand-ins for the infrastructure (no database): the fakes unit
tests run on. Not the memory store, which is infrastructure/memory_store/."""
