//! libgrantex (being written).
