import { loginConfigDir } from './config-dir.js';

describe('loginConfigDir', () => {
  it('takes $GATEHOUSE_CONFIG_DIR, else $XDG_CONFIG_HOME/gatehouse, else ~/.config/gatehouse', () => {
    expect(loginConfigDir({ GATEHOUSE_CONFIG_DIR: '/etc/gh', XDG_CONFIG_HOME: '/x' }, '/home/u')).toBe('/etc/gh');
    expect(loginConfigDir({ XDG_CONFIG_HOME: '/x' }, '/home/u')).toBe('/x/gatehouse');
    expect(loginConfigDir({}, '/home/u')).toBe('/home/u/.config/gatehouse');
  });

  it('ignores relative values (the XDG rule): a login never lands in the current directory', () => {
    expect(loginConfigDir({ GATEHOUSE_CONFIG_DIR: 'rel', XDG_CONFIG_HOME: 'also-rel' }, '/home/u')).toBe('/home/u/.config/gatehouse');
  });
});
