//! Giving freed memory back to the operating system after the server's largest
//! transient work: opening a closed round's sealed ballots and planning a round's
//! release. Both allocate hundreds of megabytes at 100,000 people and free most of it
//! moments later; glibc's allocator keeps freed pages in its arenas (one per thread
//! that allocated), so the process's resident memory stayed at its peak long after.
//! `malloc_trim` hands every arena's free pages back. Elsewhere (another C library or
//! system) it does nothing.

/// Returns the allocator's free pages to the operating system (glibc on Linux only).
pub fn give_back() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `malloc_trim` takes no pointers and may be called at any time from any
    // thread; glibc locks each arena while it trims it.
    unsafe {
        libc::malloc_trim(0);
    }
}
