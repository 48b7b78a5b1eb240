import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { chooseConsentApi } from './api/choose-api.ts';
import { hostGlobals } from './api/window-globals.ts';
import { ConsentApp } from './consent/ConsentApp.tsx';
import './styles/base.css';
import './styles/consent.css';

const api = chooseConsentApi(hostGlobals(), window.location.search);
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <ConsentApp api={api} />
  </StrictMode>,
);
