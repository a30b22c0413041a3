"""HumanLoopML: a human-in-the-loop topic classifier for AG News.

Importing this package pulls in nothing heavy: ``import hloop.core`` needs only numpy and scikit-learn.
"""

__version__ = "0.1.0"
