//! Reading a column the same way on every database. Rows come through sqlx's `Any` driver,
//! which keeps each database's own kinds of value: a flag is an integer in SQLite and a
//! boolean in PostgreSQL, and `Any` decodes a `bool` from a boolean only. Every column the
//! store reads goes through [`RowExt::col`], so a flag reads right on both.

use sqlx::any::AnyRow;
use sqlx::{ColumnIndex, Row};

/// A Rust value a column can be read into.
pub(super) trait FromColumn: Sized {
    /// Reads column `index` (a name or a position) of `row`.
    fn from_column<I: Index>(row: &AnyRow, index: I) -> Result<Self, sqlx::Error>;
}

/// How a column is named: by its name or its position.
pub(super) trait Index: ColumnIndex<AnyRow> + Copy + std::fmt::Debug {}
impl<I: ColumnIndex<AnyRow> + Copy + std::fmt::Debug> Index for I {}

/// `row.col("name")`: the column read as `T`.
pub(super) trait RowExt {
    /// The column `index` (a name or a position), read as `T`.
    fn col<T: FromColumn, I: Index>(&self, index: I) -> Result<T, sqlx::Error>;
}

impl RowExt for AnyRow {
    fn col<T: FromColumn, I: Index>(&self, index: I) -> Result<T, sqlx::Error> {
        T::from_column(self, index)
    }
}

/// Types `Any` reads the same from every database.
macro_rules! plain {
    ($($t:ty),*) => {$(
        impl FromColumn for $t {
            fn from_column<I: Index>(row: &AnyRow, index: I) -> Result<Self, sqlx::Error> {
                row.try_get(index)
            }
        }
    )*};
}
plain!(
    i64,
    Option<i64>,
    f64,
    Option<f64>,
    String,
    Option<String>,
    Vec<u8>,
    Option<Vec<u8>>
);

impl FromColumn for Option<bool> {
    fn from_column<I: Index>(row: &AnyRow, index: I) -> Result<Self, sqlx::Error> {
        match row.try_get::<Option<bool>, _>(index) {
            Ok(flag) => Ok(flag),
            // An integer column (SQLite): any value but 0 is set.
            Err(sqlx::Error::ColumnDecode { .. }) => {
                Ok(row.try_get::<Option<i64>, _>(index)?.map(|n| n != 0))
            }
            Err(e) => Err(e),
        }
    }
}

impl FromColumn for bool {
    fn from_column<I: Index>(row: &AnyRow, index: I) -> Result<Self, sqlx::Error> {
        Option::<bool>::from_column(row, index)?.ok_or_else(|| sqlx::Error::ColumnDecode {
            index: format!("{index:?}"),
            source: "a flag is NULL".into(),
        })
    }
}
