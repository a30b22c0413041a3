"""The label store: SQLModel tables, the engine factory, store functions and the queue's claims."""
