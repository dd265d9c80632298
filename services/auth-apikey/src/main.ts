import { runService } from '@gatehouse/shared';
import { createApp } from './app.js';
import { loadConfig } from './config.js';

await runService({ name: 'auth-apikey', loadConfig, createApp });
