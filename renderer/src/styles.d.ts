/** Stylesheets are side-effect imports that Vite extracts into .css files. */
declare module '*.css';
