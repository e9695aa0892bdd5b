//! Slicing that cannot panic.
//!
//! Every offset and length a kernel sees is a constant the code generator computed,
//! so in a correct program every range below is in bounds. Indexing with `[]` would
//! still compile a bounds check and a call into the panic machinery wherever the
//! compiler cannot prove that (kernels are not always inlined into the generated
//! code, so it often cannot). These helpers return an empty slice (or a neutral
//! value) for a range outside the slice instead: the kernels' loops are `zip`s, so an
//! empty operand makes them do nothing. No panic path, no data-dependent timing (the
//! checks depend on shapes only), and the property tests compare every kernel with
//! its reference, so a wrong range cannot hide behind an empty slice.

/// `x[start..start + len]`, or `&[]` if that range is not inside `x`.
#[inline(always)]
pub(crate) fn window<T>(x: &[T], start: usize, len: usize) -> &[T] {
    x.get(start..).and_then(|r| r.get(..len)).unwrap_or(&[])
}

/// `&mut x[start..start + len]`, or `&mut []` if that range is not inside `x`.
#[inline(always)]
pub(crate) fn window_mut<T>(x: &mut [T], start: usize, len: usize) -> &mut [T] {
    match x.get_mut(start..) {
        Some(r) => r.get_mut(..len).unwrap_or(&mut []),
        None => &mut [],
    }
}

/// `x[start..]`, or `&[]` past the end.
#[inline(always)]
pub(crate) fn tail<T>(x: &[T], start: usize) -> &[T] {
    x.get(start..).unwrap_or(&[])
}

/// `x[i]`, or `0.0` past the end.
#[inline(always)]
pub(crate) fn at(x: &[f32], i: usize) -> f32 {
    x.get(i).copied().unwrap_or(0.0)
}

/// `y[i] = x[i]` over the shorter of the two (a `memcpy` when they match, without
/// `copy_from_slice`'s length-mismatch panic).
#[inline(always)]
pub(crate) fn copy(x: &[f32], y: &mut [f32]) {
    for (yv, &xv) in y.iter_mut().zip(x) {
        *yv = xv;
    }
}

/// `x.split_at(mid)`, or `(x, &[])` if `mid` is past the end.
#[inline(always)]
pub(crate) fn split<T>(x: &[T], mid: usize) -> (&[T], &[T]) {
    x.split_at_checked(mid).unwrap_or((x, &[]))
}

/// `x.split_at_mut(mid)`, or `(x, &mut [])` if `mid` is past the end.
#[inline(always)]
pub(crate) fn split_mut<T>(x: &mut [T], mid: usize) -> (&mut [T], &mut [T]) {
    if mid <= x.len() {
        x.split_at_mut(mid)
    } else {
        (x, &mut [])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_of_range_is_empty() {
        let x = [1.0f32, 2.0, 3.0];
        assert_eq!(window(&x, 1, 2), &[2.0, 3.0]);
        assert!(window(&x, 2, 2).is_empty());
        assert!(window(&x, usize::MAX, 2).is_empty());
        assert!(tail(&x, 4).is_empty());
        assert_eq!(at(&x, 3), 0.0);
        assert_eq!(split(&x, 5).1.len(), 0);
        let mut y = [0.0f32; 3];
        assert!(window_mut(&mut y, 3, 1).is_empty());
        copy(&x, window_mut(&mut y, 1, 2));
        assert_eq!(y, [0.0, 1.0, 2.0]);
    }
}
