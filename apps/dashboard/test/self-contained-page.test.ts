import express from 'express';
import { describe, expect, it } from 'vitest';
import { serveSelfContained, withoutExternalLinks } from '../src/self-contained-page.js';

describe('the page Bull Board renders, without links to other origins', () => {
  it('drops absolute and protocol-relative <link>s and keeps its own', () => {
    const html = [
      '<link rel="icon" href="static/favicon-32x32.png">',
      '<link rel="preconnect" href="https://fonts.gstatic.com" crossorigin>',
      '    <link href="https://fonts.googleapis.com/css2?family=IBM+Plex+Sans&display=swap" rel="stylesheet">',
      "<LINK rel=stylesheet href='//cdn.example/x.css'>",
      '<link href="static/css/main.css" rel="stylesheet">',
    ].join('\n');
    expect(withoutExternalLinks(html)).toBe(
      '<link rel="icon" href="static/favicon-32x32.png">\n<link href="static/css/main.css" rel="stylesheet">',
    );
  });

  it('refuses a board that does not render with ejs, rather than serve its links again', () => {
    expect(() => serveSelfContained(express())).toThrow(/without ejs/);
  });
});
