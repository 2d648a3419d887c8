"""Old name of :mod:`labelwise.models.native_multilabel`; old imports and model files still work.

Model files record each object's class by its module path, so a file saved before the rename
names ``labelwise.models.native.NativeMultilabel``; this module keeps that path importable.
"""

from labelwise.models.native_multilabel import NativeMultilabel

__all__ = ["NativeMultilabel"]
