import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { chooseApi } from './api/choose-api.ts';
import { hostGlobals } from './api/window-globals.ts';
import { Dashboard } from './dashboard/Dashboard.tsx';
import './styles/base.css';
import './styles/dashboard.css';

const { api, transport } = chooseApi(hostGlobals());
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <Dashboard api={api} transport={transport} />
  </StrictMode>,
);
