import { LEGACY_ERRORS } from '../../protocol/index.js'

export class NicknameTakenError extends Error {
  override name = 'NicknameTakenError'
  constructor() {
    super(LEGACY_ERRORS.nicknameTaken)
  }
}

export class InvalidNicknameError extends Error {
  override name = 'InvalidNicknameError'
}

export class UnknownUserError extends Error {
  override name = 'UnknownUserError'
}
