"""HumanLoopML: a human-in-the-loop text classifier for any dataset and label set (AG News is the demo).

Importing this package pulls in nothing heavy: ``import hloop.core`` needs only numpy and scikit-learn.
"""

__version__ = "0.1.0"
