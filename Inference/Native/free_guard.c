/*
 * Stands in front of libLibTorchSharp.so (its only dependency, so every other symbol a TorchSharp P/Invoke asks for
 * is found there) and replaces the two functions that free what TorchSharp's finalizers free: THSTorch_dispose_scalar
 * (a c10::Scalar) and THSTensor_dispose (an at::Tensor handle).
 *
 * Why: TorchSharp 0.107 passes handles to libtorch without keeping their managed objects alive through the call - the
 * Scalars it makes itself (the alpha of every tensor + tensor, the optimizers' coefficients) and any temporary tensor
 * (a.f().g(): a.f() is unreferenced while g runs). A garbage collection during the call can finalize such an object and
 * free the handle while libtorch reads it: "Expected false to be true ... toFloat", a crash, or a wrong alpha. Every free
 * here goes to handlers the process installs (FreeGuard.cs), which delay the frees that come from the finalizer thread.
 *
 * No headers and no C library: the handlers do the work, so the file builds with a bare gcc (-nostdlib).
 */
typedef void (*unihcp_free)(void *handle);

static unihcp_free scalar_handler, tensor_handler;

/* Called once by FreeGuard before any P/Invoke is bound to this library. */
void unihcp_free_guard_install(unihcp_free scalars, unihcp_free tensors)
{
    __atomic_store_n(&scalar_handler, scalars, __ATOMIC_RELEASE);
    __atomic_store_n(&tensor_handler, tensors, __ATOMIC_RELEASE);
}

void THSTorch_dispose_scalar(void *scalar)
{
    unihcp_free handler = __atomic_load_n(&scalar_handler, __ATOMIC_ACQUIRE);
    if (handler)
        handler(scalar);
}

void THSTensor_dispose(void *tensor)
{
    unihcp_free handler = __atomic_load_n(&tensor_handler, __ATOMIC_ACQUIRE);
    if (handler)
        handler(tensor);
}
