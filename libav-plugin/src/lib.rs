//! `libjellyfin_libav.so`: jellyfin-core's linked libav backend (probing, embedded subtitle
//! reading) exported through the small C ABI of [`jellyfin_core::probe::plugin`], for programs
//! built with jellyfin-core's `libav-plugin` feature instead of `libav` (the reference server).
//!
//! Build it with the program, in its own cargo invocation so that the program's build does not
//! get the `libav` feature unified into it: `cargo build --release -p jellyfin-libav`. The
//! program looks for it beside its executable.

use std::ffi::c_char;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// The ABI string the host checks before any call.
#[no_mangle]
pub extern "C" fn jellyfin_libav_abi() -> *const c_char {
    jellyfin_core::probe::plugin::ABI_NUL.as_ptr().cast()
}

/// Answers one JSON request (`len` bytes at `request`); returns the reply, `*out_len` bytes
/// that the caller hands back to [`jellyfin_libav_free`], or NULL when the plugin panicked.
///
/// # Safety
/// `request` must be valid for reads of `len` bytes and `out_len` valid for a write.
#[no_mangle]
pub unsafe extern "C" fn jellyfin_libav_call(
    request: *const u8,
    len: usize,
    out_len: *mut usize,
) -> *mut u8 {
    let Ok(reply) = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: the caller's contract.
        let request = unsafe { std::slice::from_raw_parts(request, len) };
        jellyfin_core::probe::plugin::serve(request)
    })) else {
        return std::ptr::null_mut();
    };
    let reply = reply.into_boxed_slice();
    // SAFETY: the caller's contract.
    unsafe { *out_len = reply.len() };
    Box::into_raw(reply).cast()
}

/// Frees a reply of [`jellyfin_libav_call`].
///
/// # Safety
/// `ptr` and `len` must be a reply and its length, freed once.
#[no_mangle]
pub unsafe extern "C" fn jellyfin_libav_free(ptr: *mut u8, len: usize) {
    if !ptr.is_null() {
        // SAFETY: the caller's contract: this is the boxed slice `jellyfin_libav_call` leaked.
        drop(unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(ptr, len)) });
    }
}
