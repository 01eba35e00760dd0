//! Dense matrices for numeric evaluation, generic over the scalar type. Products go to the
//! `matrixmultiply` crate's blocked kernels.

use num_traits::Float;

/// A float type the evaluator can use: num_traits' `Float` plus a matrix-product kernel.
pub trait Scalar: Float + std::fmt::Debug + 'static {
    /// c = a·b for row-major a (m×k), b (k×n), c (m×n).
    fn gemm(m: usize, k: usize, n: usize, a: &[Self], b: &[Self], c: &mut [Self]) {
        if m * k * n <= SMALL_PRODUCT && k <= SMALL_PRODUCT_INNER {
            small_gemm(m, k, n, a, b, c);
        } else {
            Self::blocked_gemm(m, k, n, a, b, c);
        }
    }
    /// c = a·b by `matrixmultiply`'s blocked kernels.
    fn blocked_gemm(m: usize, k: usize, n: usize, a: &[Self], b: &[Self], c: &mut [Self]);
    fn from_f64(value: f64) -> Self;
    fn to_f64(self) -> f64;
}

macro_rules! impl_scalar {
    ($t:ty, $gemm:path) => {
        impl Scalar for $t {
            fn blocked_gemm(m: usize, k: usize, n: usize, a: &[Self], b: &[Self], c: &mut [Self]) {
                assert!(a.len() == m * k && b.len() == k * n && c.len() == m * n);
                // SAFETY: the slices have exactly the lengths the row-major strides address.
                unsafe {
                    $gemm(
                        m,
                        k,
                        n,
                        1.0,
                        a.as_ptr(),
                        k as isize,
                        1,
                        b.as_ptr(),
                        n as isize,
                        1,
                        0.0,
                        c.as_mut_ptr(),
                        n as isize,
                        1,
                    );
                }
            }
            fn from_f64(value: f64) -> Self {
                value as $t
            }
            fn to_f64(self) -> f64 {
                self as f64
            }
        }
    };
}

impl_scalar!(f64, matrixmultiply::dgemm);
impl_scalar!(f32, matrixmultiply::sgemm);

/// Products of at most this many multiply-adds skip `matrixmultiply`, whose packing buffers
/// and blocking cost far more than the arithmetic of a 5×4 by 4×1 product (a deep chain's check
/// does millions of those).
const SMALL_PRODUCT: usize = 4096;
/// `matrixmultiply` sums at most this many terms in one go (its kc for both f32 and f64); a
/// longer sum is split into blocks, which `small_gemm` would not reproduce.
const SMALL_PRODUCT_INNER: usize = 256;

/// Whether `matrixmultiply`'s kernel on this machine sums with fused multiply-adds: its
/// FMA/AVX2 (and AVX-512) kernels on x86-64 and its NEON kernel on AArch64 do, the others
/// multiply and add.
fn fused_kernel() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        static FUSED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
        *FUSED.get_or_init(|| {
            std::arch::is_x86_feature_detected!("fma")
                && std::arch::is_x86_feature_detected!("avx2")
        })
    }
    #[cfg(target_arch = "aarch64")]
    {
        true
    }
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    {
        false
    }
}

/// c = a·b computed as `matrixmultiply`'s kernels compute each entry, so that the result does
/// not depend on which of the two paths a product takes: the terms summed in order of the
/// inner index from zero, fused or not as the kernel does, and the sum then added to zero (its
/// α·ab + βc with α = 1, β = 0, which turns −0 into +0).
fn small_gemm<T: Scalar>(m: usize, k: usize, n: usize, a: &[T], b: &[T], c: &mut [T]) {
    assert!(a.len() == m * k && b.len() == k * n && c.len() == m * n);
    if !fused_kernel() {
        small_gemm_with(m, k, n, a, b, c, |x, y, sum| x * y + sum);
        return;
    }
    #[cfg(target_arch = "x86_64")]
    {
        // SAFETY: `fused_kernel` found FMA on this processor.
        unsafe { small_gemm_fma(m, k, n, a, b, c) }
    }
    #[cfg(not(target_arch = "x86_64"))]
    small_gemm_with(m, k, n, a, b, c, |x, y, sum| x.mul_add(y, sum));
}

/// `small_gemm` with the FMA instruction inline: without the target feature, `mul_add` is a
/// call into libm for every term.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "fma")]
fn small_gemm_fma<T: Scalar>(m: usize, k: usize, n: usize, a: &[T], b: &[T], c: &mut [T]) {
    small_gemm_with(m, k, n, a, b, c, |x, y, sum| x.mul_add(y, sum));
}

#[inline(always)]
fn small_gemm_with<T: Scalar>(
    m: usize,
    k: usize,
    n: usize,
    a: &[T],
    b: &[T],
    c: &mut [T],
    multiply_add: impl Fn(T, T, T) -> T,
) {
    for i in 0..m {
        let row = &a[i * k..(i + 1) * k];
        for j in 0..n {
            let mut sum = T::zero();
            for (p, x) in row.iter().enumerate() {
                sum = multiply_add(*x, b[p * n + j], sum);
            }
            c[i * n + j] = sum + T::zero();
        }
    }
}

/// A row-major dense matrix; vectors are n×1.
#[derive(Clone, Debug, PartialEq)]
pub struct Matrix<T> {
    pub rows: usize,
    pub cols: usize,
    pub data: Vec<T>,
}

impl<T: Scalar> Matrix<T> {
    pub fn from_vec(rows: usize, cols: usize, data: Vec<T>) -> Matrix<T> {
        assert_eq!(data.len(), rows * cols, "matrix data has the wrong length");
        Matrix { rows, cols, data }
    }

    pub fn filled(rows: usize, cols: usize, value: T) -> Matrix<T> {
        Matrix::from_vec(rows, cols, vec![value; rows * cols])
    }

    pub fn identity(size: usize) -> Matrix<T> {
        let mut m = Matrix::filled(size, size, T::zero());
        for i in 0..size {
            m.data[i * size + i] = T::one();
        }
        m
    }

    /// The matrix borrowed, for the operations, which `MatrixRef` has.
    pub fn view(&self) -> MatrixRef<'_, T> {
        MatrixRef {
            rows: self.rows,
            cols: self.cols,
            data: &self.data,
        }
    }

    pub fn get(&self, row: usize, col: usize) -> T {
        self.view().get(row, col)
    }

    pub fn transpose(&self) -> Matrix<T> {
        self.view().transpose()
    }

    pub fn matmul(&self, other: &Matrix<T>) -> Matrix<T> {
        self.view().matmul(other.view())
    }

    pub fn zip(&self, other: &Matrix<T>, f: impl Fn(T, T) -> T) -> Matrix<T> {
        self.view().zip(other.view(), f)
    }

    pub fn map(&self, f: impl Fn(T) -> T) -> Matrix<T> {
        self.view().map(f)
    }

    /// The diagonal matrix of a column.
    pub fn diag(&self) -> Matrix<T> {
        self.view().diag()
    }

    pub fn sum(&self) -> T {
        self.view().sum()
    }

    /// The largest absolute entry, NaN if any entry is NaN.
    pub fn max_abs(&self) -> T {
        self.view().max_abs()
    }
}

/// A matrix borrowed from wherever its entries are kept: the evaluator stores the values of
/// small nodes one after another in one buffer, not each in an allocation of its own.
#[derive(Debug, PartialEq)]
pub struct MatrixRef<'m, T> {
    pub rows: usize,
    pub cols: usize,
    pub data: &'m [T],
}

impl<T> Clone for MatrixRef<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for MatrixRef<'_, T> {}

impl<'m, T: Scalar> MatrixRef<'m, T> {
    pub fn new(rows: usize, cols: usize, data: &'m [T]) -> Self {
        assert_eq!(data.len(), rows * cols, "matrix data has the wrong length");
        MatrixRef { rows, cols, data }
    }

    /// An owned copy.
    pub fn to_matrix(self) -> Matrix<T> {
        Matrix::from_vec(self.rows, self.cols, self.data.to_vec())
    }

    pub fn get(self, row: usize, col: usize) -> T {
        self.data[row * self.cols + col]
    }

    pub fn transpose(self) -> Matrix<T> {
        let mut data = Vec::with_capacity(self.data.len());
        for c in 0..self.cols {
            for r in 0..self.rows {
                data.push(self.get(r, c));
            }
        }
        Matrix::from_vec(self.cols, self.rows, data)
    }

    pub fn matmul(self, other: MatrixRef<'_, T>) -> Matrix<T> {
        assert_eq!(self.cols, other.rows, "matrix product of mismatched sizes");
        let mut out = Matrix::filled(self.rows, other.cols, T::zero());
        T::gemm(
            self.rows,
            self.cols,
            other.cols,
            self.data,
            other.data,
            &mut out.data,
        );
        out
    }

    pub fn zip(self, other: MatrixRef<'_, T>, f: impl Fn(T, T) -> T) -> Matrix<T> {
        assert_eq!((self.rows, self.cols), (other.rows, other.cols));
        let data = self
            .data
            .iter()
            .zip(other.data)
            .map(|(a, b)| f(*a, *b))
            .collect();
        Matrix::from_vec(self.rows, self.cols, data)
    }

    pub fn map(self, f: impl Fn(T) -> T) -> Matrix<T> {
        Matrix::from_vec(
            self.rows,
            self.cols,
            self.data.iter().map(|a| f(*a)).collect(),
        )
    }

    /// The diagonal matrix of a column.
    pub fn diag(self) -> Matrix<T> {
        let n = self.rows;
        let mut m = Matrix::filled(n, n, T::zero());
        for i in 0..n {
            m.data[i * n + i] = self.data[i];
        }
        m
    }

    pub fn sum(self) -> T {
        self.data.iter().fold(T::zero(), |acc, v| acc + *v)
    }

    /// The largest absolute entry, NaN if any entry is NaN.
    pub fn max_abs(self) -> T {
        let mut best = T::zero();
        for v in self.data {
            if v.is_nan() {
                return *v;
            }
            best = best.max(v.abs());
        }
        best
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn product_and_transpose() {
        let a = Matrix::from_vec(2, 3, vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        let b = Matrix::from_vec(3, 1, vec![1.0, 0.0, -1.0]);
        assert_eq!(a.matmul(&b).data, vec![-2.0, -2.0]);
        assert_eq!(a.transpose().get(2, 1), 6.0);
        let a32 = Matrix::<f32>::from_vec(1, 2, vec![1.0, 2.0]);
        let b32 = Matrix::<f32>::from_vec(2, 1, vec![3.0, 4.0]);
        assert_eq!(a32.matmul(&b32).data, vec![11.0]);
    }

    /// Small products skip the blocked kernels but must give the same bits.
    #[test]
    fn small_products_match_the_blocked_kernels_to_the_bit() {
        let mut state = 1u64;
        let mut next = move || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 11) as f64 / (1u64 << 53) as f64 - 0.5) * 10.0
        };
        for (m, k, n) in [
            (1, 1, 1),
            (5, 4, 1),
            (1, 5, 4),
            (4, 5, 6),
            (9, 13, 7),
            (1, 256, 16),
        ] {
            let a: Vec<f64> = (0..m * k).map(|_| next()).collect();
            let mut b: Vec<f64> = (0..k * n).map(|_| next()).collect();
            // A product that is −0 exactly.
            b[0] = -0.0;
            let (mut small, mut blocked) = (vec![f64::NAN; m * n], vec![f64::NAN; m * n]);
            small_gemm(m, k, n, &a, &b, &mut small);
            f64::blocked_gemm(m, k, n, &a, &b, &mut blocked);
            let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&small), bits(&blocked), "{m}×{k} by {k}×{n}");
            let a32: Vec<f32> = a.iter().map(|v| *v as f32).collect();
            let b32: Vec<f32> = b.iter().map(|v| *v as f32).collect();
            let (mut small, mut blocked) = (vec![f32::NAN; m * n], vec![f32::NAN; m * n]);
            small_gemm(m, k, n, &a32, &b32, &mut small);
            f32::blocked_gemm(m, k, n, &a32, &b32, &mut blocked);
            assert_eq!(small, blocked, "f32 {m}×{k} by {k}×{n}");
        }
    }
}
