//! Dense matrices for numeric evaluation, generic over the scalar type. Products go to the
//! `matrixmultiply` crate's blocked kernels.

use num_traits::Float;

/// A float type the evaluator can use: num_traits' `Float` plus a matrix-product kernel.
pub trait Scalar: Float + std::fmt::Debug + 'static {
    /// c = a·b for row-major a (m×k), b (k×n), c (m×n).
    fn gemm(m: usize, k: usize, n: usize, a: &[Self], b: &[Self], c: &mut [Self]);
    fn from_f64(value: f64) -> Self;
    fn to_f64(self) -> f64;
}

macro_rules! impl_scalar {
    ($t:ty, $gemm:path) => {
        impl Scalar for $t {
            fn gemm(m: usize, k: usize, n: usize, a: &[Self], b: &[Self], c: &mut [Self]) {
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
        let mut data = Vec::new();
        self.transpose_into(&mut data);
        Matrix::from_vec(self.cols, self.rows, data)
    }

    /// The entries of the transpose, written over `out`. The `_into` forms let a caller that
    /// computes many small matrices keep one buffer instead of allocating each.
    pub fn transpose_into(self, out: &mut Vec<T>) {
        out.clear();
        for c in 0..self.cols {
            for r in 0..self.rows {
                out.push(self.get(r, c));
            }
        }
    }

    pub fn matmul(self, other: MatrixRef<'_, T>) -> Matrix<T> {
        let mut data = Vec::new();
        self.matmul_into(other, &mut data);
        Matrix::from_vec(self.rows, other.cols, data)
    }

    /// The entries of the product, written over `out`.
    pub fn matmul_into(self, other: MatrixRef<'_, T>, out: &mut Vec<T>) {
        assert_eq!(self.cols, other.rows, "matrix product of mismatched sizes");
        out.clear();
        out.resize(self.rows * other.cols, T::zero());
        T::gemm(self.rows, self.cols, other.cols, self.data, other.data, out);
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
        let mut data = Vec::new();
        self.diag_into(&mut data);
        Matrix::from_vec(self.rows, self.rows, data)
    }

    /// The entries of the diagonal matrix of a column, written over `out`.
    /// diag(v) of a vector v, a column or a row.
    pub fn diag_into(self, out: &mut Vec<T>) {
        let n = self.data.len();
        out.clear();
        out.resize(n * n, T::zero());
        for i in 0..n {
            out[i * n + i] = self.data[i];
        }
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
}
