//! Topic discovery for survey responses (work in progress).
