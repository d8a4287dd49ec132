export { loadConfig, configMarkdown, ConfigError, type Config } from './config.loader';
export { settings, type Setting, type SettingName } from './config.schema';
