"""OpenBLAS's thread count for the Python reference scripts of perf/reference/."""
import ctypes


def set_openblas_threads(threads):
    """torch.set_num_threads does not size OpenBLAS's own thread pool (one thread per core by default), so
    with Debian's python3-torch a '1 thread' run would multiply matrices on every core. grl sets both;
    so does this, where the BLAS is OpenBLAS (threads 0 leaves its default). Returns OpenBLAS's thread
    count, or None."""
    try:
        blas = ctypes.CDLL("libblas.so.3")
        if threads > 0:
            blas.openblas_set_num_threads(threads)
        return blas.openblas_get_num_threads()
    except (OSError, AttributeError):
        return None
