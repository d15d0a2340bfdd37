"""Where student code runs: the grading sandbox and the kernels inside it.

* :mod:`.bubblewrap`: :class:`~.bubblewrap.Sandbox`, one ``bwrap`` process per role and worker (no
  network, its own namespaces, a user id per slot, resource limits), holding a kernel factory;
* :mod:`.kernel_factory`: started inside it (``python -m crmkit.grading.sandbox.kernel_factory``);
  imports once, forks an isolated kernel per notebook;
* :mod:`.factory_protocol`: what the grader and the factory say to each other, typed;
* :mod:`.seccomp`: the system calls a grading kernel may not make;
* :mod:`.executor`: runs cells on a kernel with a time limit per cell and a byte limit on output;
* :mod:`.variant_cache`: the read-only folder that hands a student's generated data to the kernels.

Kept free of imports: the kernel factory imports modules of this package inside the sandbox.
"""
