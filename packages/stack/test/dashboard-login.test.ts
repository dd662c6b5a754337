import { describe, expect, it } from 'vitest';
import { planDashboardLogin } from '../src/dashboard-login.js';

const dashboard = { port: 3001, host: '0.0.0.0', username: 'admin' };

describe('the dashboard login npm start announces', () => {
  it('shows a password written into a new .env once, and generates nothing', () => {
    const login = planDashboardLogin(
      { ...dashboard, password: 'fresh-pass' },
      true,
      () => 'unused',
    );
    expect(login).toEqual({
      note: 'user admin, password fresh-pass (generated into .env, shown this once)',
    });
  });

  it('never shows a configured password again, only where it comes from', () => {
    const login = planDashboardLogin(
      { ...dashboard, password: 'kept-pass', token: 'kept-token' },
      false,
    );
    expect(login.generatedPassword).toBeUndefined();
    expect(login.note).not.toContain('kept-pass');
    expect(login.note).not.toContain('kept-token');
    expect(login.note).toBe(
      'user admin; password DASHBOARD_PASSWORD or Bearer DASHBOARD_TOKEN from .env or the environment',
    );
  });

  it('generates a password for the run when neither a password nor a token is set (empty counts as unset)', () => {
    const login = planDashboardLogin(
      { ...dashboard, password: '', token: '' },
      false,
      () => 'made-now',
    );
    expect(login).toEqual({
      generatedPassword: 'made-now',
      note: 'user admin, password made-now (generated for this run only; set DASHBOARD_PASSWORD in .env to keep one)',
    });
  });
});
