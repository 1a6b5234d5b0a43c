import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** The repository root (tests-docker/src/ → ../..). */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const COMPOSE_DIR = join(REPO_ROOT, 'compose');
export const COMPOSE_FILE = join(COMPOSE_DIR, 'docker-compose.yml');
export const PROMETHEUS_CONFIG = join(COMPOSE_DIR, 'prometheus', 'prometheus.yml');
export const DASHBOARD_DIR = join(COMPOSE_DIR, 'grafana', 'dashboards');
export const GRAFANA_PROVISIONING_DIR = join(COMPOSE_DIR, 'grafana', 'provisioning');
