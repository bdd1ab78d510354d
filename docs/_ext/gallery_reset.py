"""Called by sphinx-gallery before each example (``reset_modules`` in conf.py).

A named function rather than a function of ``conf.py``, so that Sphinx can
pickle its configuration (a function defined in ``conf.py`` cannot be).
"""


def reset_torch(gallery_conf, fname):
    """Run each example with one torch thread, as on a busy 2-core machine.

    Parameters
    ----------
    gallery_conf : dict
        sphinx-gallery's configuration.
    fname : str
        The example about to run.
    """
    import torch

    torch.set_num_threads(1)
