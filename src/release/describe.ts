/** One line per planned write, as dry-run prints it and the job summary lists it. */
import type { PlannedWrite } from './model.js'

export function describeWrite(write: PlannedWrite): string {
  switch (write.kind) {
    case 'submit_audit': {
      const parts: string[] = []
      if (write.body.item_list) parts.push(`${write.body.item_list.length} review group(s)`)
      if (write.defaultItemCategory) {
        const { first_class: first, second_class: second } = write.defaultItemCategory
        parts.push(`1 review group from the category ${first} > ${second} and the first page`)
      }
      if (write.body.version_desc) parts.push('review notes')
      if (write.body.feedback_info) parts.push('feedback')
      if (write.body.feedback_stuff)
        parts.push(`${write.body.feedback_stuff.split('|').length} feedback media`)
      if (write.body.privacy_api_not_use !== undefined)
        parts.push(`privacy_api_not_use ${write.body.privacy_api_not_use}`)
      return `WeChat POST /wxa/submit_audit${parts.length > 0 ? ` (${parts.join(', ')})` : ''}`
    }
    case 'release':
      return 'WeChat POST /wxa/release (full release of the approved version)'
    case 'grayrelease': {
      const first = [
        write.support_debuger_first ? 'project members first' : '',
        write.support_experiencer_first ? 'experience members first' : ''
      ].filter(Boolean)
      return `WeChat POST /wxa/grayrelease ${write.gray_percentage} %${first.length > 0 ? ` (${first.join(', ')})` : ''}`
    }
    case 'revertgrayrelease':
      return 'WeChat GET /wxa/revertgrayrelease (cancel the gray release)'
    case 'revertcoderelease':
      return write.appVersion !== undefined
        ? `WeChat GET /wxa/revertcoderelease?app_version=${write.appVersion} (roll back to ${write.userVersion ?? write.appVersion})`
        : `WeChat GET /wxa/revertcoderelease (roll back to the previous version${write.userVersion ? `, ${write.userVersion}` : ''})`
    case 'undocodeaudit':
      return 'WeChat GET /wxa/undocodeaudit (withdraw the review)'
    case 'speedupaudit':
      return `WeChat POST /wxa/speedupaudit audit ${write.auditId}`
    case 'bind_tester':
      return `WeChat POST /wxa/bind_tester ${write.wechatid}`
    case 'deployment':
      return `GitHub deployment ${write.environment}: ${write.version} (${write.operation}, ${write.state})`
  }
}
