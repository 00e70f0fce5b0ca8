mod bond;
mod share;
mod submit;
mod sweep;
